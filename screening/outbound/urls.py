from django.urls import path

from screening.outbound import views

app_name = "outbound"

urlpatterns = [
    path("jobs/", views.console, name="console"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path("destinations/", views.destinations, name="destinations"),
    path("destinations/new/", views.destination_edit, name="destination_new"),
    path("destinations/<int:destination_id>/", views.destination_edit, name="destination_edit"),
]
