from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "screening.research"
    label = "research"
    verbose_name = "Research exports: de-identified packages for approved research"

    def ready(self) -> None:
        # Registers the Celery tasks: export_services sends them by name (in-process when there is no broker).
        import screening.research.tasks  # noqa: F401
