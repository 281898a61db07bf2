from django.urls import path

from screening.patients import patient_import_views, views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/consent/grant/", views.consent_record, {"action": "grant"}, name="consent_grant"),
    path(
        "<int:patient_id>/consent/withdraw/",
        views.consent_record,
        {"action": "withdraw"},
        name="consent_withdraw",
    ),
    path("<int:patient_id>/opt-out/", views.patient_opt_out, name="opt_out"),
    path("import/", patient_import_views.import_upload, name="import"),
    path("import/<int:import_id>/", patient_import_views.import_preview, name="import_preview"),
    path("import/<int:import_id>/confirm/", patient_import_views.import_confirm, name="import_confirm"),
]
