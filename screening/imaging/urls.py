from django.urls import path

from screening.imaging import views

app_name = "imaging"

urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("studies/<int:study_id>/", views.study_detail, name="study"),
    path("instances/<int:instance_id>/frames/<int:frame>.png", views.frame_png, name="frame_png"),
    path("intake/", views.intake, name="intake"),
    path("reconciliation/", views.reconciliation_queue, name="reconciliation"),
    path("reconciliation/<int:study_id>/", views.reconciliation_study, name="reconciliation_study"),
    path("reconciliation/<int:study_id>/attach/", views.reconciliation_attach, name="reconciliation_attach"),
    path("reconciliation/<int:study_id>/detach/", views.reconciliation_detach, name="reconciliation_detach"),
    path("reconciliation/<int:study_id>/reject/", views.reconciliation_reject, name="reconciliation_reject"),
]
