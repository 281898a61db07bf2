"""Celery tasks of research exports: thin, take ids, safe to run twice (on the ``default`` queue)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from screening.research.export_services import EXPORT_RUN

DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


@shared_task(name=EXPORT_RUN, acks_late=True, **DATABASE_RETRY)
def export_run_task(*, job_id: int) -> str | None:
    from screening.research.export_runner import export_run

    return export_run(job_id=job_id)


@shared_task(name="research.exports_sweep")
def exports_sweep_task() -> int:
    from screening.research.export_sweeper import exports_sweep

    sweep = exports_sweep()
    return sweep.expired + sweep.requeued + sweep.failed
