"""Creating, dispatching, cancelling and retrying inference jobs; every change kept as history.

The database is the source of truth. A dispatch increments ``attempts`` and sends one message
carrying that attempt number, after commit; if the message never arrives, the sweeper sends a
new attempt. See docs/jobs.md for the whole protocol.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.models import AuditAction
from screening.imaging.models import Study
from screening.inference_jobs.models import ACTIVE_STATUSES, InferenceJob, InferenceJobEvent, JobStatus
from screening.inference_jobs.study_readiness import Readiness, study_readiness
from screening.patients.models import ConsentScope

logger = logging.getLogger(__name__)

JOB = "inference_job"
SYSTEM_ACTOR = Actor.system("inference-jobs")


def job_create(*, actor: Actor, study: Study, model_name: str, model_version: str) -> InferenceJob | None:
    """Queue a job for (study, model version) unless it exists; dispatched after commit."""
    with transaction.atomic():
        job, created = InferenceJob.objects.get_or_create(
            study=study,
            model_name=model_name,
            model_version=model_version,
            defaults={"queued_at": timezone.now(), "max_attempts": settings.INFERENCE_MAX_ATTEMPTS},
        )
        if not created:
            return None
        _event(job, "", JobStatus.QUEUED, actor=actor, note="created")
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type=JOB,
            object_id=job.pk,
            detail={"study": study.pk, "model": job.model_key},
        )
        job_dispatch_on_commit(job_id=job.pk)
    return job


def job_dispatch_on_commit(*, job_id: int, countdown: float = 0) -> None:
    """Dispatch (a new attempt of) a queued job once the current transaction commits."""
    transaction.on_commit(lambda: job_dispatch(job_id=job_id, countdown=countdown))


def job_dispatch(*, job_id: int, countdown: float = 0) -> None:
    """Start the next attempt of a queued job: checks consent again, counts the attempt, sends it."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.status != JobStatus.QUEUED:
            return
        readiness = study_readiness(job.study)
        if not readiness.ready:
            _finish(job, JobStatus.CANCELLED, note=f"not dispatched: {readiness.reason}")
            return
        if job.attempts >= job.max_attempts:
            _finish(job, JobStatus.DEAD, error=job.error or "attempts exhausted")
            return
        job.attempts += 1
        job.dispatched_at = timezone.now() + timedelta(seconds=countdown)
        job.lease_expires_at = None
        job.save(update_fields=["attempts", "dispatched_at", "lease_expires_at", "updated_at"])
        message = _message(job, readiness)
    # Sent after the attempt is committed: a message never names an attempt the database lacks.
    _send(message, countdown=countdown)


def _message(job: InferenceJob, readiness: Readiness) -> dict[str, object]:
    return {
        "job_id": job.pk,
        "attempt": job.attempts,
        "model_name": job.model_name,
        "model_version": job.model_version,
        "images": [[str(i.pk), default_storage.path(str(i.file.name))] for i in readiness.instances],
    }


def _send(message: dict[str, object], *, countdown: float) -> None:
    from screening.inference_jobs.tasks import inference_run

    try:
        inference_run.apply_async(kwargs=message, countdown=countdown or None)
    except Exception:  # the row is committed: the sweeper sends a new attempt later
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        logger.exception("Could not send inference job %s; the sweeper will retry", message["job_id"])


def job_requeue(*, job: InferenceJob, note: str, error: str = "") -> None:
    """After a lost or failed attempt (row locked): dispatch again with backoff, or dead at the cap."""
    if job.attempts >= job.max_attempts:
        _finish(job, JobStatus.DEAD, error=error or note, note=note)
        return
    delay = retry_backoff(job.attempts)
    previous = job.status
    job.status = JobStatus.QUEUED
    job.lease_expires_at = None
    job.error = error
    job.save(update_fields=["status", "lease_expires_at", "error", "updated_at"])
    _event(job, previous, JobStatus.QUEUED, note=f"{note}; next attempt in {delay:g} s")
    job_dispatch_on_commit(job_id=job.pk, countdown=delay)


def retry_backoff(attempts: int) -> float:
    """Exponential backoff after `attempts` attempts, capped."""
    base = settings.INFERENCE_RETRY_BACKOFF_SECONDS
    return float(min(base * 2 ** max(attempts - 1, 0), settings.INFERENCE_RETRY_BACKOFF_MAX_SECONDS))


@transaction.atomic
def job_cancel(
    *, actor: Actor, job: InferenceJob, reason: str = "cancelled by a coordinator"
) -> InferenceJob:
    """Cancel a queued or running job; whatever its worker reports later is ignored."""
    job = _locked(job.pk) or job
    if not job.is_active:
        raise ValidationError(f"Only queued or running jobs can be cancelled (this one is {job.status}).")
    _finish(job, JobStatus.CANCELLED, actor=actor, note=reason)
    audit_record(
        actor=actor, action=AuditAction.CHANGE, object_type=JOB, object_id=job.pk, detail={"cancel": True}
    )
    return job


@transaction.atomic
def jobs_cancel_for_withdrawn_consent(*, actor: Actor, patient_id: int) -> int:
    """Cancel the participant's queued and running jobs: AI consent was withdrawn. Returns how many."""
    jobs = list(
        InferenceJob.objects.select_for_update(of=("self",))
        .filter(study__patient_id=patient_id, status__in=ACTIVE_STATUSES)
        .order_by("pk")
    )
    for job in jobs:
        _finish(job, JobStatus.CANCELLED, actor=actor, note="AI consent withdrawn")
    if jobs:
        audit_record_many(
            actor=actor,
            entries=[
                AuditEntry(
                    action=AuditAction.CHANGE,
                    object_type=JOB,
                    object_id=job.pk,
                    detail={"cancel": True, "reason": "ai_consent_withdrawn"},
                )
                for job in jobs
            ],
        )
    return len(jobs)


def on_consent_withdrawn(sender: object, actor: Actor, patient_id: int, scope: str, **kwargs: object) -> None:
    """Receiver of patients' ``consent_withdrawn``: AI consent withdrawn stops the participant's jobs."""
    if scope == ConsentScope.AI_READING:
        jobs_cancel_for_withdrawn_consent(actor=actor, patient_id=patient_id)


@transaction.atomic
def job_retry(*, actor: Actor, job: InferenceJob) -> InferenceJob:
    """Queue a failed, dead or cancelled job again with a fresh allowance of attempts."""
    job = _locked(job.pk) or job
    if job.status not in (JobStatus.FAILED, JobStatus.DEAD, JobStatus.CANCELLED):
        raise ValidationError(
            f"Only failed, dead or cancelled jobs can be retried (this one is {job.status})."
        )
    readiness = study_readiness(job.study)
    if not readiness.ready:
        raise ValidationError(f"The study cannot be scored: {readiness.reason}.")
    previous = job.status
    job.status = JobStatus.QUEUED
    job.max_attempts = job.attempts + settings.INFERENCE_MAX_ATTEMPTS
    job.queued_at = timezone.now()
    job.finished_at = job.started_at = job.lease_expires_at = None
    job.error = ""
    job.save()
    _event(job, previous, JobStatus.QUEUED, actor=actor, note="retried")
    audit_record(
        actor=actor, action=AuditAction.CHANGE, object_type=JOB, object_id=job.pk, detail={"retry": True}
    )
    job_dispatch_on_commit(job_id=job.pk)
    return job


def _locked(job_id: int) -> InferenceJob | None:
    return (
        InferenceJob.objects.select_for_update(of=("self",))
        .select_related("study__patient", "study__episode__campaign__programme")
        .filter(pk=job_id)
        .first()
    )


def _finish(
    job: InferenceJob, status: str, *, actor: Actor = SYSTEM_ACTOR, error: str | None = None, note: str = ""
) -> None:
    previous = job.status
    job.status = status
    job.finished_at = timezone.now()
    job.lease_expires_at = None
    if error is not None:
        job.error = error[:4000]
    job.save(update_fields=["status", "finished_at", "lease_expires_at", "error", "updated_at"])
    _event(job, previous, status, actor=actor, note=note or (error or ""))


def _event(
    job: InferenceJob, from_status: str, to_status: str, *, actor: Actor = SYSTEM_ACTOR, note: str = ""
) -> None:
    InferenceJobEvent.objects.create(
        job=job,
        from_status=from_status,
        to_status=to_status,
        attempt=job.attempts,
        actor=actor.username[:150],
        note=note[:2000],
    )


# Shared with the report and sweeper services (same package).
locked_job = _locked
job_finish = _finish
job_event = _event
