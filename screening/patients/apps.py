from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "screening.patients"
    label = "patients"
    verbose_name = "Participants and consent"
