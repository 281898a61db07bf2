"""Creating, dispatching, cancelling and retrying inference jobs; every change kept as history.

The database is the source of truth. A dispatch increments ``attempts`` and sends the attempt
after commit (job_dispatch.py); if the message never arrives, the sweeper sends a new attempt.
See docs/jobs.md for the whole protocol.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.models import AuditAction
from screening.imaging.models import Study
from screening.inference_jobs.job_dispatch import jobs_dispatch_on_commit
from screening.inference_jobs.job_states import (
    job_event,
    job_event_fields,
    job_finish,
    job_locked,
)
from screening.inference_jobs.models import (
    ACTIVE_STATUSES,
    InferenceJob,
    InferenceJobEvent,
    JobStatus,
    ModelRole,
)
from screening.inference_jobs.study_readiness import study_readiness
from screening.patients.models import ConsentScope

logger = logging.getLogger(__name__)

JOB = "inference_job"


@dataclass(frozen=True)
class JobRequest:
    """A study to be scored by a model version, as the campaign's active model or in shadow."""

    study: Study
    model_name: str
    model_version: str
    role: str = ModelRole.ACTIVE


def jobs_create(*, actor: Actor, requests: Sequence[JobRequest]) -> list[InferenceJob]:
    """Queue a job per (study, model version) that has none, in one transaction; dispatched
    together after commit (so that they share messages). Returns the jobs created."""
    if not requests:  # intake announces every study; most are not ready (or not matched) yet
        return []
    with transaction.atomic():
        created = _jobs_insert_missing(requests)
        if not created:
            return []
        InferenceJobEvent.objects.bulk_create(
            InferenceJobEvent(**job_event_fields(job, "", JobStatus.QUEUED, actor=actor, note="created"))
            for job in created
        )
        audit_record_many(
            actor=actor,
            entries=[
                AuditEntry(
                    action=AuditAction.CREATE,
                    object_type=JOB,
                    object_id=job.pk,
                    detail={"study": job.study_id, "model": job.model_key, "role": job.role},
                )
                for job in created
            ],
        )
        jobs_dispatch_on_commit(job_ids=[job.pk for job in created])
    return created


def _jobs_insert_missing(requests: Sequence[JobRequest]) -> list[InferenceJob]:
    """Insert a job for each request that has none, in one INSERT; if another process queued one of
    them meanwhile (the unique constraint refuses the INSERT), one by one. Returns the jobs inserted."""
    now = timezone.now()
    wanted = {(r.study.pk, r.model_name, r.model_version): r for r in requests}
    existing = _job_keys(study_ids={study_id for study_id, _, _ in wanted})
    missing = [
        InferenceJob(
            study=request.study,
            model_name=request.model_name,
            model_version=request.model_version,
            role=request.role,
            queued_at=now,
            max_attempts=settings.INFERENCE_MAX_ATTEMPTS,
        )
        for key, request in wanted.items()
        if key not in existing
    ]
    if not missing:
        return []
    try:
        with transaction.atomic():
            return InferenceJob.objects.bulk_create(missing)
    except IntegrityError:
        created = []
        for job in missing:
            job, new = InferenceJob.objects.get_or_create(
                study=job.study,
                model_name=job.model_name,
                model_version=job.model_version,
                defaults={"queued_at": now, "max_attempts": job.max_attempts, "role": job.role},
            )
            if new:
                created.append(job)
        return created


def _job_keys(*, study_ids: set[int]) -> set[tuple[int, str, str]]:
    """(study id, model name, model version) of the studies' existing jobs."""
    jobs = InferenceJob.objects.filter(study_id__in=study_ids)
    return set(jobs.values_list("study_id", "model_name", "model_version"))


def job_requeue(*, job: InferenceJob, note: str, error: str = "") -> None:
    """After a lost or failed attempt (row locked): dispatch again with backoff, or dead at the cap."""
    if job.attempts >= job.max_attempts:
        job_finish(job, JobStatus.DEAD, error=error or note, note=note)
        return
    delay = retry_backoff(job.attempts)
    previous = job.status
    job.status = JobStatus.QUEUED
    job.lease_expires_at = None
    job.error = error
    job.save(update_fields=["status", "lease_expires_at", "error", "updated_at"])
    job_event(job, previous, JobStatus.QUEUED, note=f"{note}; next attempt in {delay:g} s")
    jobs_dispatch_on_commit(job_ids=[job.pk], countdown=delay)


def retry_backoff(attempts: int) -> float:
    """Exponential backoff after `attempts` attempts, capped."""
    base = settings.INFERENCE_RETRY_BACKOFF_SECONDS
    return float(min(base * 2 ** max(attempts - 1, 0), settings.INFERENCE_RETRY_BACKOFF_MAX_SECONDS))


@transaction.atomic
def job_cancel(
    *, actor: Actor, job: InferenceJob, reason: str = "cancelled by a coordinator"
) -> InferenceJob:
    """Cancel a queued or running job; whatever its worker reports later is ignored."""
    job = job_locked(job.pk) or job
    if not job.is_active:
        raise ValidationError(f"Only queued or running jobs can be cancelled (this one is {job.status}).")
    job_finish(job, JobStatus.CANCELLED, actor=actor, note=reason)
    audit_record(
        actor=actor, action=AuditAction.CHANGE, object_type=JOB, object_id=job.pk, detail={"cancel": True}
    )
    return job


@transaction.atomic
def jobs_cancel_for_withdrawn_consent(*, actor: Actor, patient_id: int) -> int:
    """Cancel the participant's queued and running jobs: AI consent was withdrawn. Returns how many."""
    return _jobs_cancel(
        actor=actor, study_filter={"study__patient_id": patient_id}, note="AI consent withdrawn",
        reason="ai_consent_withdrawn",
    )  # fmt: skip


@transaction.atomic
def jobs_cancel_for_detached_study(*, actor: Actor, study_id: int) -> int:
    """Cancel a study's queued and running jobs: it was detached from its episode. Returns how many."""
    return _jobs_cancel(
        actor=actor, study_filter={"study_id": study_id}, note="study detached from its episode",
        reason="study_detached",
    )  # fmt: skip


def _jobs_cancel(*, actor: Actor, study_filter: dict[str, int], note: str, reason: str) -> int:
    jobs = list(
        InferenceJob.objects.select_for_update(of=("self",))
        .filter(status__in=ACTIVE_STATUSES, **study_filter)
        .order_by("pk")
    )
    for job in jobs:
        job_finish(job, JobStatus.CANCELLED, actor=actor, note=note)
    if jobs:
        audit_record_many(
            actor=actor,
            entries=[
                AuditEntry(
                    action=AuditAction.CHANGE,
                    object_type=JOB,
                    object_id=job.pk,
                    detail={"cancel": True, "reason": reason},
                )
                for job in jobs
            ],
        )
    return len(jobs)


def on_consent_withdrawn(sender: object, actor: Actor, patient_id: int, scope: str, **kwargs: object) -> None:
    """Receiver of patients' ``consent_withdrawn``: AI consent withdrawn stops the participant's jobs."""
    if scope == ConsentScope.AI_READING:
        jobs_cancel_for_withdrawn_consent(actor=actor, patient_id=patient_id)


def on_study_detaching(sender: object, actor: Actor, study_id: int, **kwargs: object) -> None:
    """Receiver of imaging's ``study_detaching``: the detached study's AI jobs stop."""
    jobs_cancel_for_detached_study(actor=actor, study_id=study_id)


@transaction.atomic
def job_retry(*, actor: Actor, job: InferenceJob) -> InferenceJob:
    """Queue a failed, dead or cancelled job again with a fresh allowance of attempts."""
    job = job_locked(job.pk) or job
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
    job_event(job, previous, JobStatus.QUEUED, actor=actor, note="retried")
    audit_record(
        actor=actor, action=AuditAction.CHANGE, object_type=JOB, object_id=job.pk, detail={"retry": True}
    )
    jobs_dispatch_on_commit(job_ids=[job.pk])
    return job
