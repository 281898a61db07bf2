"""Read-only FHIR R4 under /fhir/: the CapabilityStatement, then read and search per resource."""

from django.urls import path

from screening.fhir.views import (
    DiagnosticReportView,
    ImagingStudyView,
    MetadataView,
    ObservationView,
    PatientView,
)

app_name = "fhir"

urlpatterns = [path("metadata", MetadataView.as_view(), name="metadata")]
for _name, _view in (
    ("Patient", PatientView),
    ("ImagingStudy", ImagingStudyView),
    ("DiagnosticReport", DiagnosticReportView),
    ("Observation", ObservationView),
):
    urlpatterns += [
        path(_name, _view.as_view(), name=f"{_name.lower()}-search"),
        path(f"{_name}/<str:resource>", _view.as_view(), name=_name.lower()),
    ]
