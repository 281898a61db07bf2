"""What workers report about attempts, applied to the job rows: started, outcomes, lost.

Every report names jobs and attempts; one report covers the jobs of one worker message. Start,
failure and loss reports of an attempt other than the job's current one are stale and ignored.
Results are stored by result_services (once per job, from any attempt while the job is active).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from screening.inference_jobs.job_services import job_requeue
from screening.inference_jobs.job_states import job_event_fields, job_finish, jobs_locked
from screening.inference_jobs.models import InferenceJob, InferenceJobEvent, JobStatus
from screening.inference_jobs.result_services import CONSENT_WITHDRAWN, Prediction, results_store
from screening.inference_jobs.study_readiness import ai_consent_given_for

logger = logging.getLogger(__name__)

Attempt = tuple[int, int]  # (job id, attempt number)


def _current(attempts: Sequence[Attempt]) -> list[InferenceJob]:
    """The locked jobs whose current, active attempt is the one named; the others' reports are stale."""
    wanted = dict(attempts)
    current = []
    for job in jobs_locked(list(wanted), related=("study",)):
        if job.is_active and job.attempts == wanted[job.pk]:
            current.append(job)
        else:
            logger.info("Ignored a stale report for job %s attempt %s", job.pk, wanted[job.pk])
    return current


@transaction.atomic
def jobs_mark_started(*, attempts: Sequence[Attempt], worker: str, device: str) -> int:
    """A worker began these attempts: running, with a lease; cancelled if consent was withdrawn
    (asked for all of them in one query). Returns how many started."""
    now = timezone.now()
    worker, device = worker[:200], device[:32]
    started, events = [], []
    jobs = _current(attempts)
    consenting = ai_consent_given_for(job.study for job in jobs)
    for job in jobs:
        if not consenting[job.study_id]:
            job_finish(job, JobStatus.CANCELLED, note=CONSENT_WITHDRAWN)
            continue
        events.append(
            job_event_fields(job, job.status, JobStatus.RUNNING, note=f"worker {worker} on {device}")
        )
        started.append(job.pk)
    InferenceJob.objects.filter(pk__in=started).update(
        status=JobStatus.RUNNING,
        started_at=now,
        updated_at=now,
        lease_expires_at=now + timedelta(seconds=settings.INFERENCE_LEASE_SECONDS),
        worker=worker,
        device=device,
    )
    InferenceJobEvent.objects.bulk_create(InferenceJobEvent(**fields) for fields in events)
    return len(started)


@dataclass(frozen=True)
class Failure:
    """An attempt that raised: `transient` errors may pass on a retry, the others never will."""

    job_id: int
    attempt: int
    error: str
    transient: bool


@transaction.atomic
def jobs_mark_failed(*, failures: Sequence[Failure]) -> None:
    """The attempts raised: transient errors are retried with backoff (dead at the cap), others fail."""
    by_job = {failure.job_id: failure for failure in failures}
    for job in _current([(failure.job_id, failure.attempt) for failure in failures]):
        failure = by_job[job.pk]
        if failure.transient:
            job_requeue(job=job, note=f"attempt {failure.attempt} failed", error=failure.error)
        else:
            job_finish(job, JobStatus.FAILED, error=failure.error)


@transaction.atomic
def jobs_mark_lost(*, attempts: Sequence[Attempt], note: str) -> None:
    """The attempts' worker died (their message came back) or their lease ran out: retry, or dead."""
    for job in _current(attempts):
        job_requeue(job=job, note=note, error=f"worker lost during attempt {job.attempts}")


@transaction.atomic
def jobs_outcomes_store(*, outcomes: Sequence[dict[str, Any]]) -> None:
    """A message's outcomes, each {"job_id", "attempt"} with a "prediction", or an "error" and "transient"."""
    predictions = [
        Prediction(int(outcome["job_id"]), int(outcome["attempt"]), outcome["prediction"])
        for outcome in outcomes
        if "prediction" in outcome
    ]
    failures = [outcome for outcome in outcomes if "prediction" not in outcome]
    if failures and predictions:  # all rows locked first, in id order as every locker takes them
        jobs_locked([int(outcome["job_id"]) for outcome in outcomes], related=())
    if failures:
        jobs_mark_failed(
            failures=[
                Failure(int(f["job_id"]), int(f["attempt"]), str(f["error"]), bool(f["transient"]))
                for f in failures
            ]
        )
    if predictions:
        results_store(predictions=predictions)
