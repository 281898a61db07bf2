"""Celery tasks: thin wrappers that take ids and call a service. Safe to run twice.

``inference_run`` runs on the ``inference`` queue and never touches the database (it reads the
images from the shared media folder, or fetches them over HTTP with the job's token); a message
carries the attempts of one or more jobs. It reports their start, then their outcomes (results and
failures), or their loss, through one task on the ``default`` queue each, which applies them to the
job rows (see job_reports.py and docs/jobs.md).
"""

import functools
import logging
import shutil
import tempfile
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError

from screening.inference_jobs import worker_files, worker_inference
from screening.inference_jobs.job_dispatch import INFERENCE_RUN

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
    name=INFERENCE_RUN,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.INFERENCE_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.INFERENCE_TASK_TIME_LIMIT,
)
def inference_run(self: Task, *, model_name: str, model_version: str, jobs: list[dict[str, Any]]) -> None:
    """Score the attempts of one message, study by study; a message that comes back after its
    worker died is not run again. `jobs`: [{"job_id", "attempt", "images": [[reference, storage
    name]], "token"}]: the files are read from the media storage's folder, or fetched with the token."""
    attempts = [[job["job_id"], job["attempt"]] for job in jobs]
    worker = worker_inference.worker_name()
    if (self.request.delivery_info or {}).get("redelivered"):
        # The worker that took this message died (or the broker handed it back): the database
        # counts the lost attempts and decides whether to try again, so a poison study cannot loop.
        _report(jobs_lost, jobs=attempts, note=f"message redelivered to {worker}")
        return
    _report(jobs_started, jobs=attempts, worker=worker, device=worker_inference.device_name())
    outcomes: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="inference-message-", ignore_cleanup_errors=True) as fetched:
        # The next studies are fetched (when not shared) and decoded while one is scored,
        # INFERENCE_PREFETCH_STUDIES ahead and no more; each study's failure is its own.
        scores = worker_inference.studies_predict(
            root=Path(settings.INFERENCE_MODEL_ROOT),
            model_name=model_name,
            model_version=model_version,
            studies=[
                functools.partial(_images, job, Path(fetched) / str(index)) for index, job in enumerate(jobs)
            ],
            torch_threads=settings.INFERENCE_TORCH_THREADS,
            prefetch=settings.INFERENCE_PREFETCH_STUDIES,
        )
        try:
            for index, job in enumerate(jobs):
                outcomes.append(_outcome(job, scores))
                shutil.rmtree(Path(fetched) / str(index), ignore_errors=True)  # disk: a few studies at most
        except SoftTimeLimitExceeded:
            rest = jobs[len(outcomes) :]
            outcomes.extend(_failure(job, "time limit exceeded", transient=True) for job in rest)
        finally:
            scores.close()  # fetching and decoding not begun are cancelled
    _report(jobs_finished, outcomes=outcomes)


def _images(job: dict[str, Any], into: Path) -> list[tuple[str, str]]:
    """A job's (reference, local file) pairs: shared files where present, else fetched into `into`."""
    into.mkdir(parents=True, exist_ok=True)
    images = worker_files.study_images(
        job,
        shared_file=_shared_file,
        web_url=settings.INFERENCE_WEB_URL,
        into=into,
        retries=settings.INFERENCE_FETCH_RETRIES,
        timeout=settings.INFERENCE_FETCH_TIMEOUT_SECONDS,
    )
    return [(reference, str(path)) for reference, path in images]


def _outcome(job: dict[str, Any], scores: Generator[Callable[[], dict[str, Any]]]) -> dict[str, Any]:
    """One job's prediction (the next of `scores`), or its failure: permanent (no retry can help)
    or transient."""
    try:
        prediction = next(scores)()
    except worker_inference.PermanentInputError as error:
        return _failure(job, str(error), transient=False)
    except SoftTimeLimitExceeded:
        raise
    except Exception as error:  # transient until proven otherwise: retried with backoff, capped
        logger.exception("Inference job %s attempt %s failed", job["job_id"], job["attempt"])
        return _failure(job, f"{type(error).__name__}: {error}", transient=True)
    return {"job_id": job["job_id"], "attempt": job["attempt"], "prediction": prediction}


def _shared_file(name: str) -> Path | None:
    """Where this machine's media storage keeps a stored file, if it keeps files on a local disk."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:  # an object store: the worker fetches the file
        return None


def _failure(job: dict[str, Any], error: str, *, transient: bool) -> dict[str, Any]:
    return {"job_id": job["job_id"], "attempt": job["attempt"], "error": error, "transient": transient}


@shared_task(name="inference_jobs.jobs_started", acks_late=True, **DATABASE_RETRY)
def jobs_started(*, jobs: list[list[int]], worker: str, device: str) -> None:
    from screening.inference_jobs.job_reports import jobs_mark_started

    jobs_mark_started(attempts=[(job_id, attempt) for job_id, attempt in jobs], worker=worker, device=device)


@shared_task(name="inference_jobs.jobs_finished", acks_late=True, **DATABASE_RETRY)
def jobs_finished(*, outcomes: list[dict[str, Any]]) -> None:
    from screening.inference_jobs.job_reports import jobs_outcomes_store

    jobs_outcomes_store(outcomes=outcomes)


@shared_task(name="inference_jobs.jobs_lost", acks_late=True, **DATABASE_RETRY)
def jobs_lost(*, jobs: list[list[int]], note: str) -> None:
    from screening.inference_jobs.job_reports import jobs_mark_lost

    jobs_mark_lost(attempts=[(job_id, attempt) for job_id, attempt in jobs], note=note)


@shared_task(name="inference_jobs.jobs_sweep")
def jobs_sweep() -> int:
    from screening.inference_jobs.job_sweeper import jobs_sweep as sweep

    return sweep().total
