from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "screening.core"
    label = "core"
    verbose_name = "Core: audit trail and roles"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from screening.core.after_response import run_pending

        request_finished.connect(run_pending, dispatch_uid="core.after_response")
