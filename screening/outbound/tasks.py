"""Celery tasks of outbound jobs: thin, take ids, safe to run twice (on the ``default`` queue)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from screening.outbound.job_services import JOB_SEND, JOBS_SEND

DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


@shared_task(name=JOB_SEND, acks_late=True, **DATABASE_RETRY)
def job_send_task(*, job_id: int) -> str | None:
    from screening.outbound.job_runner import job_send

    return job_send(job_id=job_id)


@shared_task(name=JOBS_SEND, acks_late=True, **DATABASE_RETRY)
def jobs_send_task(*, job_ids: list[int]) -> list[str | None]:
    from screening.outbound.job_runner import jobs_send

    return jobs_send(job_ids=job_ids)


@shared_task(name="outbound.jobs_sweep")
def jobs_sweep_task() -> int:
    from screening.outbound.job_sweeper import outbound_sweep

    sweep = outbound_sweep()
    return sweep.due + sweep.lease_expired
