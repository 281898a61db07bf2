from django.apps import AppConfig


class ReadingConfig(AppConfig):
    name = "screening.reading"
    label = "reading"
    verbose_name = "Reading: worklist, sign-off, double reading and arbitration"

    def ready(self) -> None:
        # Intake announces studies once per batch, after commit; an imaged study gets its reads.
        from screening.imaging.intake_signals import studies_received
        from screening.reading.slot_services import on_studies_received

        studies_received.connect(on_studies_received, dispatch_uid="reading.open_reads")
        # A new AI result re-orders the study's open reads in the worklist (same transaction).
        from screening.inference_jobs.result_signals import ai_result_stored
        from screening.reading.triage_keys import on_ai_result_stored

        ai_result_stored.connect(on_ai_result_stored, dispatch_uid="reading.triage")
        # AI consent withdrawn takes the AI band off the participant's open reads; a re-grant puts it back.
        from screening.patients.consent_signals import consent_granted, consent_withdrawn
        from screening.reading.triage_keys import on_ai_consent_changed

        consent_withdrawn.connect(on_ai_consent_changed, dispatch_uid="reading.consent_withdrawn")
        consent_granted.connect(on_ai_consent_changed, dispatch_uid="reading.consent_granted")
        # Detaching a study is refused once a read is signed; otherwise its open reads go with it.
        from screening.imaging.match_signals import study_detaching
        from screening.reading.study_detach import on_study_detaching

        study_detaching.connect(on_study_detaching, dispatch_uid="reading.detach")
