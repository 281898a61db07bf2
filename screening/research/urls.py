from django.urls import path

from screening.research import views

app_name = "research"

urlpatterns = [
    path("exports/", views.export_list, name="list"),
    path("exports/new/", views.export_new, name="new"),
    path("exports/<int:job_id>/", views.export_detail, name="detail"),
    path("exports/<int:job_id>/progress.json", views.export_progress, name="progress"),
    path("exports/<int:job_id>/cancel/", views.export_cancel, name="cancel"),
    path("exports/<int:job_id>/retry/", views.export_retry, name="retry"),
    path("exports/<int:job_id>/download/", views.export_download, name="download"),
    path("exports/<int:job_id>/reidentification/", views.export_reidentification, name="reidentification"),
]
