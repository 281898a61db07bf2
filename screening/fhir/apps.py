from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "screening.fhir"
    label = "fhir"
    verbose_name = "Read-only FHIR R4 resources for the hospital's record systems"
