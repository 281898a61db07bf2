"""Housekeeping of research exports: packages past their expiry are removed, and exports whose
worker vanished are queued again (or failed at the attempt cap). Runs every
RESEARCH_EXPORT_SWEEP_SECONDS (celery beat) and as ``manage.py research_exports_expire``."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from screening.research.export_runner import export_root, staging_remove
from screening.research.export_services import export_dispatch_on_commit, export_event, export_finish
from screening.research.models import ExportJob, ExportStatus

# A queued export never picked up (its process stopped between commit and send) is sent again after this.
UNSTARTED_GRACE_SECONDS = 60


@dataclass
class ExportSweep:
    expired: int = 0
    requeued: int = 0
    failed: int = 0


def exports_expire(*, now: datetime | None = None) -> int:
    """Remove the packages of exports past their expiry; returns how many expired."""
    now = now or timezone.now()
    expired = 0
    due = ExportJob.objects.filter(status=ExportStatus.SUCCEEDED, expires_at__lte=now)
    for job_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().get(pk=job_id)
            if job.status != ExportStatus.SUCCEEDED:
                continue
            if job.package_name:
                (export_root() / job.package_name).unlink(missing_ok=True)
            job.package_name = ""
            job.save(update_fields=["package_name", "updated_at"])
            export_finish(job, ExportStatus.EXPIRED, note="package removed at expiry")
            expired += 1
    return expired


def exports_sweep(*, now: datetime | None = None) -> ExportSweep:
    """Expire what is due, and rescue exports whose worker stopped reporting."""
    now = now or timezone.now()
    sweep = ExportSweep(expired=exports_expire(now=now))
    stale = now - timedelta(seconds=settings.RESEARCH_EXPORT_LEASE_SECONDS)
    for job_id in ExportJob.objects.filter(status=ExportStatus.RUNNING, heartbeat_at__lt=stale).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().get(pk=job_id)
            if job.status != ExportStatus.RUNNING or job.heartbeat_at is None or job.heartbeat_at >= stale:
                continue
            staging_remove(job.pk)
            if job.attempts >= settings.RESEARCH_EXPORT_MAX_ATTEMPTS:
                export_finish(
                    job, ExportStatus.FAILED, error=f"the worker stopped reporting ({job.attempts} attempts)"
                )
                sweep.failed += 1
                continue
            job.status = ExportStatus.QUEUED
            job.save(update_fields=["status", "updated_at"])
            export_event(
                job, ExportStatus.RUNNING, ExportStatus.QUEUED, note="sweeper: the worker stopped reporting"
            )
            export_dispatch_on_commit(job_id=job.pk)
            sweep.requeued += 1
    unstarted = now - timedelta(seconds=UNSTARTED_GRACE_SECONDS)
    for job_id in ExportJob.objects.filter(status=ExportStatus.QUEUED, updated_at__lt=unstarted).values_list(
        "pk", flat=True
    ):
        export_dispatch_on_commit(job_id=job_id)
        sweep.requeued += 1
    return sweep
