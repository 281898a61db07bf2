"""Outbound jobs: queued by the events destinations subscribe to, retried from the console, each
state change kept as an event. The tasks (tasks.jobs_send_task for a batch of jobs, sharing an
association per destination; tasks.job_send_task for one) run on the default queue, so several
Celery workers send several batches at once."""

from collections.abc import Iterable
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.after_response import run_after_response
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.core.status_events import status_event_fields
from screening.outbound.models import OutboundDestination, OutboundJob, OutboundJobEvent, OutboundStatus

OUTBOUND_JOB = "outbound_job"
SYSTEM_ACTOR = Actor.system("outbound")
# The send task (tasks.job_send_task), on the default queue.
JOB_SEND = "outbound.job_send"
JOBS_SEND = "outbound.jobs_send"


def jobs_queue(*, event: str, sources: Iterable[tuple[int, int]]) -> list[OutboundJob]:
    """Queue a job per (study id, source id) for every active destination that wants `event`'s
    object; an event already queued for a destination is not queued twice. Inside the event's
    transaction; the sends start once it commits. Nothing happens without a destination."""
    destinations = [(d, d.wants(event)) for d in OutboundDestination.objects.active()]
    wanted = [(destination, payload) for destination, payload in destinations if payload]
    if not wanted:
        return []
    now = timezone.now()
    sources = list(sources)
    already = set(
        OutboundJob.objects.filter(
            event=event,
            source_id__in={source for _, source in sources},
            destination__in=[d for d, _ in wanted],
        ).values_list("destination_id", "source_id")
    )
    queued = OutboundJob.objects.bulk_create(
        [
            OutboundJob(
                destination=destination,
                study_id=study_id,
                event=event,
                payload=payload,
                source_id=source_id,
                max_attempts=settings.OUTBOUND_MAX_ATTEMPTS,
                next_attempt_at=now,
            )
            for study_id, source_id in sources
            for destination, payload in wanted
            if (destination.pk, source_id) not in already
        ]
    )
    OutboundJobEvent.objects.bulk_create(
        [
            OutboundJobEvent(
                job=job, to_status=OutboundStatus.QUEUED, actor=SYSTEM_ACTOR.username, note=event
            )
            for job in queued
        ]
    )
    jobs_dispatch_on_commit(job_ids=[job.pk for job in queued])
    return queued


@transaction.atomic
def job_retry(*, actor: Actor, job: OutboundJob) -> OutboundJob:
    """Send a dead (or waiting) job again now, with a fresh count of attempts (audited)."""
    job = OutboundJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (OutboundStatus.DEAD, OutboundStatus.RETRY_WAIT):
        raise ValidationError(
            f"Outbound job {job.pk} is {job.get_status_display().lower()}: nothing to retry."
        )
    previous = job.status
    job.status, job.attempts, job.next_attempt_at, job.error = OutboundStatus.QUEUED, 0, timezone.now(), ""
    job.save(update_fields=["status", "attempts", "next_attempt_at", "error", "updated_at"])
    job_event(job, previous, OutboundStatus.QUEUED, actor=actor, note="retried from the console")
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=OUTBOUND_JOB,
        object_id=job.pk,
        detail={"retry": True},
    )
    jobs_dispatch_on_commit(job_ids=[job.pk])
    return job


def jobs_dispatch_on_commit(*, job_ids: list[int]) -> None:
    """Send the jobs' tasks once the transaction commits, OUTBOUND_SEND_BATCH jobs a task (each
    batch reuses its associations); in-process (no broker) after the response."""
    if not job_ids:
        return
    size = max(1, settings.OUTBOUND_SEND_BATCH)
    batches = [list(job_ids[start : start + size]) for start in range(0, len(job_ids), size)]

    def dispatch() -> None:
        for batch in batches:
            current_app.signature(JOBS_SEND, kwargs={"job_ids": batch}).apply_async()

    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: run_after_response(dispatch))
    else:
        transaction.on_commit(dispatch)


def job_dispatch_later(*, job_id: int, at: datetime) -> None:
    """Wake the job's retry at `at` through the broker; in-process the sweeper sends it when due."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    delay = max((at - timezone.now()).total_seconds(), 0.0)
    transaction.on_commit(
        lambda: current_app.signature(JOB_SEND, kwargs={"job_id": job_id}).apply_async(countdown=delay)
    )


def job_event(
    job: OutboundJob, from_status: str, to_status: str, *, actor: Actor = SYSTEM_ACTOR, note: str = ""
) -> None:
    """Record one change of the job's state."""
    OutboundJobEvent.objects.create(
        **status_event_fields(job, from_status, to_status, actor=actor, note=note)
    )
