from django.urls import path

from screening.inference_jobs import views

app_name = "inference_jobs"

urlpatterns = [
    path("jobs/", views.console, name="console"),
    path("jobs/summary.json", views.console_json, name="console_json"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    # worker_files.WORKER_INSTANCE_PATH names this route to the workers.
    path(
        "worker/jobs/<int:job_id>/instances/<int:instance_id>.dcm",
        views.worker_instance,
        name="worker_instance",
    ),
    path("heatmaps/<int:image_result_id>/overlay.png", views.overlay_png, name="overlay_png"),
]
