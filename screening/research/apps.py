from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "screening.research"
    label = "research"
    verbose_name = "Research exports: de-identified packages for approved research"
