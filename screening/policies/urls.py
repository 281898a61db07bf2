from django.urls import path

from screening.policies import views

app_name = "policies"

urlpatterns = [
    path("", views.simulator, name="simulator"),
    path("curve.csv", views.curve_csv, name="curve_csv"),
    path("scenarios/", views.save, name="save"),
    path("scenarios/<int:scenario_id>/", views.scenario, name="scenario"),
    path("scenarios/<int:scenario_id>/apply/", views.apply, name="apply"),
]
