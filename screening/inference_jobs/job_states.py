"""A job's state changes, each kept as an event (history, not overwrite); shared by the job services."""

from collections.abc import Sequence

from django.utils import timezone

from screening.core.actors import Actor
from screening.core.status_events import status_event_fields
from screening.inference_jobs.models import InferenceJob, InferenceJobEvent

SYSTEM_ACTOR = Actor.system("inference-jobs")


# What a dispatch reads with the locked jobs: readiness needs the campaign and programme (consent is
# asked by the study's patient id, so the participant's row is not read).
DISPATCH_RELATED = ("study__episode__campaign__programme",)


def job_locked(job_id: int) -> InferenceJob | None:
    """The job, row-locked, with its study, patient and campaign; None if it does not exist."""
    jobs = jobs_locked([job_id])
    return jobs[0] if jobs else None


def jobs_locked(job_ids: Sequence[int], *, related: Sequence[str] = DISPATCH_RELATED) -> list[InferenceJob]:
    """The jobs, row-locked in id order (as every locker takes them), with the related rows named."""
    jobs = InferenceJob.objects.select_for_update(of=("self",)).filter(pk__in=list(job_ids)).order_by("pk")
    return list(jobs.select_related(*related) if related else jobs)  # select_related() alone follows all


def job_finish(
    job: InferenceJob, status: str, *, actor: Actor = SYSTEM_ACTOR, error: str | None = None, note: str = ""
) -> None:
    """Move a (locked) job to a final state."""
    previous = job.status
    job.status = status
    job.finished_at = timezone.now()
    job.lease_expires_at = None
    if error is not None:
        job.error = error[:4000]
    job.save(update_fields=["status", "finished_at", "lease_expires_at", "error", "updated_at"])
    job_event(job, previous, status, actor=actor, note=note or (error or ""))


def job_event(
    job: InferenceJob, from_status: str, to_status: str, *, actor: Actor = SYSTEM_ACTOR, note: str = ""
) -> None:
    """Record one change of the job's state."""
    InferenceJobEvent.objects.create(**job_event_fields(job, from_status, to_status, actor=actor, note=note))


def job_event_fields(
    job: InferenceJob, from_status: str, to_status: str, *, actor: Actor = SYSTEM_ACTOR, note: str = ""
) -> dict[str, object]:
    """The fields of a state change's event (for one INSERT of many)."""
    return status_event_fields(job, from_status, to_status, actor=actor, note=note)
