from django.apps import AppConfig


class InferenceJobsConfig(AppConfig):
    name = "screening.inference_jobs"
    label = "inference_jobs"
    verbose_name = "AI inference jobs"

    def ready(self) -> None:
        # Registers the Celery tasks: job_dispatch sends them by name (in-process when there is no broker).
        import screening.inference_jobs.tasks  # noqa: F401

        # Intake announces studies once per batch, after commit; this app decides whether to queue a job.
        from screening.imaging.intake_signals import studies_received
        from screening.inference_jobs.job_enqueue import on_studies_received

        studies_received.connect(on_studies_received, dispatch_uid="inference_jobs.enqueue")
        # Withdrawing AI consent cancels the participant's queued and running jobs at once.
        from screening.inference_jobs.job_services import on_consent_withdrawn
        from screening.patients.consent_signals import consent_withdrawn

        consent_withdrawn.connect(on_consent_withdrawn, dispatch_uid="inference_jobs.consent")
        # A study detached from its episode stops its queued and running jobs (same transaction).
        from screening.imaging.match_signals import study_detaching
        from screening.inference_jobs.job_services import on_study_detaching

        study_detaching.connect(on_study_detaching, dispatch_uid="inference_jobs.detach")
