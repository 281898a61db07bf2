from django.urls import path

from screening.statistics import views

app_name = "statistics"

urlpatterns = [
    path("charts/<slug:chart>.csv", views.chart_csv, name="chart_csv"),
]
