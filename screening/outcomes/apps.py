from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "screening.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes: assessment, pathology, interval cancers, registry import, truth per episode"
