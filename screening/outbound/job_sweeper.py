"""The sweeper: sends outbound jobs that are due (retries whose backoff ran out, queued jobs whose
message was lost) and takes back jobs whose worker vanished while sending (lease expired: that
attempt counts, so a job that keeps killing its worker ends dead). Runs every
OUTBOUND_SWEEP_SECONDS (celery beat) and as ``manage.py outbound_sweep``."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from screening.outbound.job_services import job_event, jobs_dispatch_on_commit
from screening.outbound.models import OutboundJob, OutboundStatus

# A queued job is left to its own message this long before the sweeper sends it again.
QUEUED_GRACE_SECONDS = 30


@dataclass
class OutboundSweep:
    due: int = 0
    lease_expired: int = 0


def outbound_sweep(*, now: datetime | None = None) -> OutboundSweep:
    """Dispatch what is due and requeue what lost its worker; returns the counts."""
    now = now or timezone.now()
    sweep = OutboundSweep()
    for job_id in OutboundJob.objects.filter(
        status=OutboundStatus.SENDING, lease_expires_at__lt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            job = OutboundJob.objects.select_for_update().get(pk=job_id)
            if (
                job.status != OutboundStatus.SENDING
                or job.lease_expires_at is None
                or job.lease_expires_at >= now
            ):
                continue
            dead = job.attempts >= job.max_attempts
            job.status = OutboundStatus.DEAD if dead else OutboundStatus.RETRY_WAIT
            job.lease_expires_at, job.next_attempt_at = None, now
            job.error = f"the worker stopped during attempt {job.attempts}"
            job.save(update_fields=["status", "lease_expires_at", "next_attempt_at", "error", "updated_at"])
            job_event(job, OutboundStatus.SENDING, job.status, note=f"sweeper: {job.error}")
            sweep.lease_expired += 1
    grace = now - timedelta(seconds=QUEUED_GRACE_SECONDS)
    due = OutboundJob.objects.filter(
        status=OutboundStatus.RETRY_WAIT, next_attempt_at__lte=now
    ) | OutboundJob.objects.filter(status=OutboundStatus.QUEUED, next_attempt_at__lte=grace)
    job_ids = list(due.values_list("pk", flat=True))
    with transaction.atomic():
        jobs_dispatch_on_commit(job_ids=job_ids)
    sweep.due = len(job_ids)
    return sweep
