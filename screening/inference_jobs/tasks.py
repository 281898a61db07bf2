"""Celery tasks: thin wrappers that take ids and call a service. Safe to run twice.

``inference_run`` runs on the ``inference`` queue and never touches the database; it reports
start, result, failure or loss through small tasks on the ``default`` queue, which apply them to
the job row (see job_reports.py and docs/jobs.md).
"""

import logging
from pathlib import Path
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError

from screening.inference_jobs import worker_inference

logger = logging.getLogger(__name__)

# Reports survive a broker restart of up to about a minute.
REPORT_RETRY_POLICY = {"max_retries": 40, "interval_start": 0.5, "interval_step": 0.5, "interval_max": 2}
# Default-queue tasks retry when the database is briefly unreachable.
DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


def _report(task: Task, **kwargs: Any) -> None:
    task.apply_async(kwargs=kwargs, retry=True, retry_policy=REPORT_RETRY_POLICY)


@shared_task(
    bind=True,
    name="inference_jobs.inference_run",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.INFERENCE_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.INFERENCE_TASK_TIME_LIMIT,
)
def inference_run(
    self: Task, *, job_id: int, attempt: int, model_name: str, model_version: str, images: list[list[str]]
) -> None:
    """Score one attempt of a job; a message that comes back after its worker died is not run again."""
    worker = worker_inference.worker_name()
    if (self.request.delivery_info or {}).get("redelivered"):
        # The worker that took this message died (or the broker handed it back): the database
        # counts the lost attempt and decides whether to try again, so a poison study cannot loop.
        _report(job_attempt_lost, job_id=job_id, attempt=attempt, note=f"message redelivered to {worker}")
        return
    _report(job_started, job_id=job_id, attempt=attempt, worker=worker, device=worker_inference.device_name())
    try:
        prediction = worker_inference.predict_study(
            root=Path(settings.INFERENCE_MODEL_ROOT),
            model_name=model_name,
            model_version=model_version,
            images=[(reference, path) for reference, path in images],
            torch_threads=settings.INFERENCE_TORCH_THREADS,
        )
    except worker_inference.PermanentInputError as error:
        _report(job_failed, job_id=job_id, attempt=attempt, error=str(error), transient=False)
        return
    except SoftTimeLimitExceeded:
        _report(job_failed, job_id=job_id, attempt=attempt, error="time limit exceeded", transient=True)
        return
    except Exception as error:  # transient until proven otherwise: retried with backoff, capped
        logger.exception("Inference job %s attempt %s failed", job_id, attempt)
        _report(
            job_failed,
            job_id=job_id,
            attempt=attempt,
            error=f"{type(error).__name__}: {error}",
            transient=True,
        )
        return
    _report(job_result, job_id=job_id, attempt=attempt, prediction=prediction)


@shared_task(name="inference_jobs.job_started", acks_late=True, **DATABASE_RETRY)
def job_started(*, job_id: int, attempt: int, worker: str, device: str) -> None:
    from screening.inference_jobs.job_reports import job_mark_started

    job_mark_started(job_id=job_id, attempt=attempt, worker=worker, device=device)


@shared_task(name="inference_jobs.job_result", acks_late=True, **DATABASE_RETRY)
def job_result(*, job_id: int, attempt: int, prediction: dict[str, Any]) -> None:
    from screening.inference_jobs.job_reports import job_result_store

    job_result_store(job_id=job_id, attempt=attempt, prediction=prediction)


@shared_task(name="inference_jobs.job_failed", acks_late=True, **DATABASE_RETRY)
def job_failed(*, job_id: int, attempt: int, error: str, transient: bool) -> None:
    from screening.inference_jobs.job_reports import job_mark_failed

    job_mark_failed(job_id=job_id, attempt=attempt, error=error, transient=transient)


@shared_task(name="inference_jobs.job_attempt_lost", acks_late=True, **DATABASE_RETRY)
def job_attempt_lost(*, job_id: int, attempt: int, note: str) -> None:
    from screening.inference_jobs.job_reports import job_mark_lost

    job_mark_lost(job_id=job_id, attempt=attempt, note=note)


@shared_task(name="inference_jobs.jobs_sweep")
def jobs_sweep() -> int:
    from screening.inference_jobs.job_sweeper import jobs_sweep as sweep

    return sweep().total
