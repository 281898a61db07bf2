"""The sweeper: finds jobs whose lease ran out or whose message was lost, and dispatches them again.

Runs every INFERENCE_SWEEP_SECONDS (celery beat) and as ``manage.py inference_sweep``. Each
rescue counts an attempt, so a job that keeps losing its worker ends *dead* at the cap.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from screening.inference_jobs.job_dispatch import jobs_dispatch_on_commit
from screening.inference_jobs.job_services import job_requeue
from screening.inference_jobs.job_states import job_locked
from screening.inference_jobs.models import InferenceJob, JobStatus

# A queued job never dispatched (its process stopped between commit and send) is picked up after this.
UNDISPATCHED_GRACE_SECONDS = 30


@dataclass
class SweepReport:
    lease_expired: int = 0
    message_lost: int = 0
    undispatched: int = 0

    @property
    def total(self) -> int:
        return self.lease_expired + self.message_lost + self.undispatched


def jobs_sweep(
    *, now: datetime | None = None, undispatched_grace: float = UNDISPATCHED_GRACE_SECONDS
) -> SweepReport:
    """Re-dispatch running jobs past their lease and queued jobs whose message never started."""
    now = now or timezone.now()
    report = SweepReport()
    expired = InferenceJob.objects.filter(status=JobStatus.RUNNING, lease_expires_at__lt=now)
    for job_id in expired.values_list("pk", flat=True):
        report.lease_expired += _rescue(
            job_id,
            "lease expired",
            lambda j: j.status == JobStatus.RUNNING and _before(j.lease_expires_at, now),
        )
    lost_before = now - timedelta(seconds=settings.INFERENCE_DISPATCH_TIMEOUT_SECONDS)
    lost = InferenceJob.objects.filter(status=JobStatus.QUEUED, dispatched_at__lt=lost_before)
    for job_id in lost.values_list("pk", flat=True):
        report.message_lost += _rescue(
            job_id,
            "message not started in time",
            lambda j: j.status == JobStatus.QUEUED and _before(j.dispatched_at, lost_before),
        )
    grace = now - timedelta(seconds=undispatched_grace)
    never_sent = InferenceJob.objects.filter(
        status=JobStatus.QUEUED, dispatched_at__isnull=True, queued_at__lt=grace
    )
    for job_id in never_sent.values_list("pk", flat=True):
        with transaction.atomic():
            job = job_locked(job_id)
            if job is not None and job.status == JobStatus.QUEUED and job.dispatched_at is None:
                jobs_dispatch_on_commit(job_ids=[job_id])
                report.undispatched += 1
    return report


def _before(moment: datetime | None, limit: datetime) -> bool:
    return moment is not None and moment < limit


def _rescue(job_id: int, note: str, still_stuck: Callable[[InferenceJob], bool]) -> int:
    """Requeue one job if, locked and read again, it is still stuck."""
    with transaction.atomic():
        job = job_locked(job_id)
        if job is None or not still_stuck(job):
            return 0
        job_requeue(
            job=job,
            note=f"sweeper: {note} (attempt {job.attempts})",
            error=f"{note} (attempt {job.attempts})",
        )
        return 1
