from django.urls import path

from screening.outcomes import diagnosis_views, registry_import_views, unmatched_views, views

app_name = "outcomes"

urlpatterns = [
    path("episodes/<int:episode_id>/", views.episode_outcome_page, name="episode"),
    path("episodes/<int:episode_id>/assessment/", views.assessment_submit, name="assessment"),
    path("episodes/<int:episode_id>/pathology/", views.pathology_submit, name="pathology"),
    path(
        "episodes/<int:episode_id>/<slug:record_type>/<int:record_id>/withdraw/",
        views.record_withdraw,
        name="withdraw",
    ),
    path("diagnoses/new/", diagnosis_views.diagnosis_participant_search, name="diagnosis_search"),
    path("participants/<int:patient_id>/diagnosis/", diagnosis_views.diagnosis_record_page, name="diagnosis"),
    path("import/", registry_import_views.registry_import_upload, name="import"),
    path("import/<int:import_id>/", registry_import_views.registry_import_preview, name="import_preview"),
    path(
        "import/<int:import_id>/confirm/",
        registry_import_views.registry_import_confirm,
        name="import_confirm",
    ),
    path("unmatched/", unmatched_views.unmatched_queue, name="unmatched"),
    path("unmatched/<int:unmatched_id>/", unmatched_views.unmatched_row, name="unmatched_row"),
    path(
        "unmatched/<int:unmatched_id>/resolve/", unmatched_views.unmatched_resolve, name="unmatched_resolve"
    ),
]
