"""Dispatching attempts of queued jobs: counted in their rows first, then sent, several to a message.

Jobs dispatched together for the same model travel in messages of up to
``INFERENCE_JOBS_PER_MESSAGE`` jobs and about ``INFERENCE_IMAGES_PER_MESSAGE`` images, split evenly so
that several worker processes share them, and so that results are stored while later studies are
scored rather than all at the end. A
message only carries attempts: each job keeps its own row, attempt count, result and history, and a
lost message costs only its jobs' attempts (they are dispatched again, one by one, or by the
sweeper). See docs/jobs.md for the whole protocol.
"""

import logging
import math
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from screening.core.after_response import run_after_response
from screening.inference_jobs.job_states import job_finish, jobs_locked
from screening.inference_jobs.models import InferenceJob, JobStatus
from screening.inference_jobs.study_readiness import Readiness, studies_readiness
from screening.inference_jobs.worker_access import job_token_issue

logger = logging.getLogger(__name__)

# The worker's task (tasks.inference_run), routed to the ``inference`` queue by CELERY_TASK_ROUTES.
INFERENCE_RUN = "inference_jobs.inference_run"


def jobs_dispatch_on_commit(*, job_ids: Sequence[int], countdown: float = 0) -> None:
    """Dispatch (a new attempt of) queued jobs once the current transaction commits.

    In-process (no broker) a dispatch runs the inference itself: in a request it waits until the
    response is sent, so a coordinator's attach or an upload does not wait for the AI.
    """
    ids = list(job_ids)

    def dispatch() -> None:
        jobs_dispatch(job_ids=ids, countdown=countdown)

    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: run_after_response(dispatch))
    else:
        transaction.on_commit(dispatch)


def jobs_dispatch(*, job_ids: Sequence[int], countdown: float = 0) -> int:
    """Start the next attempt of each queued job, a message's worth at a time: consent and readiness
    checked again, attempts counted and committed, then the message sent (so a message never names an
    attempt the database lacks, and the first message leaves before the last share is checked).
    Returns how many attempts were sent."""
    queued = (
        InferenceJob.objects.filter(pk__in=list(job_ids), status=JobStatus.QUEUED)
        .annotate(images=Count("study__series__instances"))
        .order_by("pk")
        .values_list("pk", "model_name", "model_version", "images")
    )
    by_model: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for job_id, model_name, model_version, images in queued:
        by_model.setdefault((model_name, model_version), []).append((job_id, images))
    sent = 0
    for (model_name, model_version), jobs in by_model.items():
        for share in even_shares([job_id for job_id, _ in jobs], message_count(jobs)):
            attempts = _attempts_count(share, countdown)
            if attempts:
                message = {"model_name": model_name, "model_version": model_version, "jobs": attempts}
                _send(message, countdown=countdown)
                sent += len(attempts)
    return sent


@transaction.atomic
def _attempts_count(job_ids: list[int], countdown: float) -> list[dict[str, Any]]:
    """Count the next attempt of each job still queued and ready (others cancelled, or dead at the cap)."""
    jobs = [job for job in jobs_locked(job_ids) if job.status == JobStatus.QUEUED]
    readiness = studies_readiness([job.study for job in jobs])
    attempts, counted = [], []
    for job in jobs:
        ready = readiness[job.study_id]
        if not ready.ready:
            job_finish(job, JobStatus.CANCELLED, note=f"not dispatched: {ready.reason}")
        elif job.attempts >= job.max_attempts:
            job_finish(job, JobStatus.DEAD, error=job.error or "attempts exhausted")
        else:
            job.attempts += 1  # as the UPDATE below does: the row is locked
            attempts.append(_attempt(job, ready))
            counted.append(job.pk)
    now = timezone.now()
    InferenceJob.objects.filter(pk__in=counted).update(
        attempts=F("attempts") + 1,
        dispatched_at=now + timedelta(seconds=countdown),
        lease_expires_at=None,
        updated_at=now,
    )
    return attempts


def message_count(jobs: list[tuple[int, int]]) -> int:
    """How many messages (job id, images) jobs need: at most INFERENCE_JOBS_PER_MESSAGE jobs and,
    beyond one job, about INFERENCE_IMAGES_PER_MESSAGE images in each (a CT volume is a study's worth)."""
    images = sum(count for _, count in jobs)
    by_jobs = math.ceil(len(jobs) / max(1, settings.INFERENCE_JOBS_PER_MESSAGE))
    by_images = math.ceil(images / max(1, settings.INFERENCE_IMAGES_PER_MESSAGE))
    return min(len(jobs), max(by_jobs, by_images))


def even_shares(items: list[Any], count: int) -> list[list[Any]]:
    """items in order, cut into `count` shares (at most one per item) whose sizes differ by one at most."""
    count = min(len(items), max(1, count))
    if not items:
        return []
    size, larger = divmod(len(items), count)
    shares, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < larger else 0)
        shares.append(items[start:end])
        start = end
    return shares


def _attempt(job: InferenceJob, readiness: Readiness) -> dict[str, Any]:
    """One job's attempt as a message carries it: its images by storage name (a worker sharing the
    media folder reads them in place) and a token that fetches exactly them over HTTP otherwise."""
    instance_ids = [i.pk for i in readiness.instances]
    return {
        "job_id": job.pk,
        "attempt": job.attempts,
        "images": [[str(i.pk), i.file] for i in readiness.instances],
        "token": job_token_issue(job_id=job.pk, attempt=job.attempts, instance_ids=instance_ids),
    }


def _send(message: dict[str, Any], *, countdown: float) -> None:
    try:
        # By name: the task module imports the reports, which import the services that dispatch.
        current_app.signature(INFERENCE_RUN, kwargs=message).apply_async(countdown=countdown or None)
    except Exception:  # the rows are committed: the sweeper sends new attempts later
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        job_ids = [attempt["job_id"] for attempt in message["jobs"]]
        logger.exception("Could not send inference jobs %s; the sweeper will retry", job_ids)
