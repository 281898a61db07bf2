from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "screening.outbound"
    label = "outbound"
    verbose_name = "Results back to the hospital: SR and heat maps to the PACS, outbound jobs"

    def ready(self) -> None:
        # Registers the Celery tasks: job_services sends them by name (in-process when there is no broker).
        import screening.outbound.tasks  # noqa: F401
        from screening.inference_jobs.result_signals import ai_result_stored
        from screening.outbound.event_receivers import on_ai_result_stored, on_read_signed
        from screening.reading.read_signals import read_signed

        # Results follow the events the destinations subscribe to, queued in the event's transaction.
        ai_result_stored.connect(on_ai_result_stored, dispatch_uid="outbound.ai_result")
        read_signed.connect(on_read_signed, dispatch_uid="outbound.read_signed")
