"""Dispatching attempts of queued jobs: counted in their rows first, then sent, several to a message.

Jobs dispatched together for the same model travel in messages of up to
``INFERENCE_JOBS_PER_MESSAGE`` jobs, split evenly so that several worker processes share them. A
message only carries attempts: each job keeps its own row, attempt count, result and history, and a
lost message costs only its jobs' attempts (they are dispatched again, one by one, or by the
sweeper). See docs/jobs.md for the whole protocol.
"""

import logging
import math
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from screening.inference_jobs.job_states import job_finish
from screening.inference_jobs.models import InferenceJob, JobStatus
from screening.inference_jobs.study_readiness import Readiness, study_readiness

logger = logging.getLogger(__name__)


def jobs_dispatch_on_commit(*, job_ids: Sequence[int], countdown: float = 0) -> None:
    """Dispatch (a new attempt of) queued jobs once the current transaction commits."""
    ids = list(job_ids)
    transaction.on_commit(lambda: jobs_dispatch(job_ids=ids, countdown=countdown))


def jobs_dispatch(*, job_ids: Sequence[int], countdown: float = 0) -> int:
    """Start the next attempt of each queued job, a message's worth at a time: consent and readiness
    checked again, attempts counted and committed, then the message sent (so a message never names an
    attempt the database lacks, and the first message leaves before the last share is checked).
    Returns how many attempts were sent."""
    queued = (
        InferenceJob.objects.filter(pk__in=list(job_ids), status=JobStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", "model_name", "model_version")
    )
    by_model: dict[tuple[str, str], list[int]] = {}
    for job_id, model_name, model_version in queued:
        by_model.setdefault((model_name, model_version), []).append(job_id)
    sent = 0
    for (model_name, model_version), ids in by_model.items():
        for share in even_shares(ids, settings.INFERENCE_JOBS_PER_MESSAGE):
            attempts = _attempts_count(share, countdown)
            if attempts:
                message = {"model_name": model_name, "model_version": model_version, "jobs": attempts}
                _send(message, countdown=countdown)
                sent += len(attempts)
    return sent


@transaction.atomic
def _attempts_count(job_ids: list[int], countdown: float) -> list[dict[str, Any]]:
    """Count the next attempt of each job still queued and ready (others cancelled, or dead at the cap)."""
    dispatched_at = timezone.now() + timedelta(seconds=countdown)
    attempts = []
    for job in locked_jobs(job_ids):
        if job.status != JobStatus.QUEUED:
            continue
        readiness = study_readiness(job.study)
        if not readiness.ready:
            job_finish(job, JobStatus.CANCELLED, note=f"not dispatched: {readiness.reason}")
            continue
        if job.attempts >= job.max_attempts:
            job_finish(job, JobStatus.DEAD, error=job.error or "attempts exhausted")
            continue
        job.attempts += 1
        job.dispatched_at = dispatched_at
        job.lease_expires_at = None
        job.save(update_fields=["attempts", "dispatched_at", "lease_expires_at", "updated_at"])
        attempts.append(_attempt(job, readiness))
    return attempts


def locked_jobs(job_ids: Sequence[int]) -> list[InferenceJob]:
    """The jobs, row-locked in id order (as every locker takes them), with study, patient and campaign."""
    return list(
        InferenceJob.objects.select_for_update(of=("self",))
        .select_related("study__patient", "study__episode__campaign__programme")
        .filter(pk__in=list(job_ids))
        .order_by("pk")
    )


def even_shares(items: list[Any], most: int) -> list[list[Any]]:
    """items in order, in as few shares of at most `most` as possible, sizes differing by one at most."""
    if not items:
        return []
    count = math.ceil(len(items) / max(1, most))
    size, larger = divmod(len(items), count)
    shares, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < larger else 0)
        shares.append(items[start:end])
        start = end
    return shares


def _attempt(job: InferenceJob, readiness: Readiness) -> dict[str, Any]:
    return {
        "job_id": job.pk,
        "attempt": job.attempts,
        "images": [[str(i.pk), default_storage.path(str(i.file.name))] for i in readiness.instances],
    }


def _send(message: dict[str, Any], *, countdown: float) -> None:
    from screening.inference_jobs.tasks import inference_run

    try:
        inference_run.apply_async(kwargs=message, countdown=countdown or None)
    except Exception:  # the rows are committed: the sweeper sends new attempts later
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        job_ids = [attempt["job_id"] for attempt in message["jobs"]]
        logger.exception("Could not send inference jobs %s; the sweeper will retry", job_ids)
