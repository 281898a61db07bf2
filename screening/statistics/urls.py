from django.urls import path

from screening.statistics import accuracy_views, equity_views, views

app_name = "statistics"

urlpatterns = [
    path("charts/<slug:chart>.csv", views.chart_csv, name="chart_csv"),
    path("outcomes/", accuracy_views.outcomes, name="outcomes"),
    path("accuracy/", accuracy_views.accuracy, name="accuracy"),
    path("readers/", accuracy_views.readers, name="readers"),
    path("equity/", equity_views.equity, name="equity"),
    path("equity/equity.csv", equity_views.equity_csv, name="equity_csv"),
    path("<slug:page>/charts/<slug:chart>.csv", accuracy_views.page_chart_csv, name="page_chart_csv"),
    path("episodes/<slug:figure>/", accuracy_views.drilldown, name="drilldown"),
]
