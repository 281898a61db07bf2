"""Running one export attempt: claim the row, build the package in a staging folder under
RESEARCH_EXPORT_ROOT, and only when it is verified rename it into place and record what it held.
A failed or cancelled attempt removes its staging folder, so no half package is ever offered."""

import logging
import os
import shutil
import time
import traceback
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from screening.core.audit_services import AuditEntry, audit_record_many
from screening.core.models import AuditAction
from screening.imaging.models import Instance
from screening.research.deid.deidentify import PROFILE_EDITION
from screening.research.export_cohort import Cohort, export_cohort
from screening.research.export_services import EXPORT_JOB, SYSTEM_ACTOR, export_event, export_finish
from screening.research.models import (
    ExportJob,
    ExportMember,
    ExportStatus,
    ReidentificationEntry,
)
from screening.research.package_builder import (
    BuiltPackage,
    ExportCancelled,
    ExportCheckFailed,
    Progress,
    package_build,
)
from screening.research.pseudonym_key import pseudonym_key

logger = logging.getLogger(__name__)

# Progress is written at most this often (and always at the end).
PROGRESS_EVERY_SECONDS = 1.0
# Whether the export's cancel was asked (ExportJob's table; tests/research check it against the ORM).
CANCEL_ASKED_SQL = "SELECT 1 FROM research_exportjob WHERE id = %s AND cancel_requested"


def export_root() -> Path:
    root = Path(settings.RESEARCH_EXPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def staging_folder(job: ExportJob) -> Path:
    return export_root() / f".staging-{job.pk}-{job.attempts}"


def staging_remove(job_id: int) -> None:
    """Remove every staging folder of the export (a crashed attempt's too)."""
    for folder in export_root().glob(f".staging-{job_id}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def export_run(*, job_id: int) -> str | None:
    """Run the export if it is queued; returns its final status (None when there was nothing to run)."""
    job = _claim(job_id)
    if job is None:
        return None
    staging_remove(job.pk)
    try:
        cohort = export_cohort(job)
        job.excluded = cohort.excluded  # the README names them
        ExportJob.objects.filter(pk=job.pk).update(excluded=cohort.excluded)
        _progress_set(job.pk, 0, _file_count(cohort))
        built = package_build(
            job=job,
            cohort=cohort,
            key=pseudonym_key(),
            staging=staging_folder(job),
            progress=_progress_reporter(job.pk, _file_count(cohort)),
        )
    except ExportCancelled:
        return _end(job.pk, ExportStatus.CANCELLED, note="cancelled between files")
    except (ExportCheckFailed, ImproperlyConfigured) as failure:
        return _end(job.pk, ExportStatus.FAILED, error=str(failure))
    except Exception as error:  # any other failure: reported on the row, no package
        # The frames, not the message: an error's message can quote a file path (original UIDs).
        frames = "".join(traceback.format_tb(error.__traceback__))
        logger.error("Research export %s failed: %s\n%s", job.pk, type(error).__name__, frames)
        return _end(
            job.pk,
            ExportStatus.FAILED,
            error=f"{type(error).__name__}: the export stopped; see the server log.",
        )
    return _publish(job.pk, cohort, built)


@transaction.atomic
def _claim(job_id: int) -> ExportJob | None:
    job = ExportJob.objects.select_for_update().select_related("programme").filter(pk=job_id).first()
    if job is None or job.status != ExportStatus.QUEUED:
        return None
    job.status, job.attempts = ExportStatus.RUNNING, job.attempts + 1
    job.started_at = job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "updated_at"])
    export_event(job, ExportStatus.QUEUED, ExportStatus.RUNNING, note=f"attempt {job.attempts}")
    return job


def _file_count(cohort: Cohort) -> int:
    return Instance.objects.filter(series__study__in=[facts.study for facts in cohort.facts]).count()


def _progress_set(job_id: int, done: int, total: int) -> None:
    ExportJob.objects.filter(pk=job_id).update(
        progress_done=done, progress_total=total, heartbeat_at=timezone.now()
    )


def _progress_reporter(job_id: int, total: int) -> Progress:
    """After each file: stop if a cancel was asked (one small query, written once: the ORM's
    building of it cost more than the query); write the progress now and then."""
    last = [time.monotonic()]
    asked = CANCEL_ASKED_SQL

    def report(done: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(asked, [job_id])
            if cursor.fetchone() is not None:
                raise ExportCancelled
        now = time.monotonic()
        if done == total or now - last[0] >= PROGRESS_EVERY_SECONDS:
            _progress_set(job_id, done, total)
            last[0] = now

    return report


def _end(job_id: int, status: str, *, error: str | None = None, note: str = "") -> str:
    staging_remove(job_id)
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        export_finish(job, status, error=error, note=note)
    return status


def _publish(job_id: int, cohort: Cohort, built: BuiltPackage) -> str:
    """Rename the verified zip into place and record the counts, members and re-identification."""
    name = f"research-export-{job_id}.zip"
    final = export_root() / name
    _durable(built.zip_path)  # on disk before it is named: a crash never leaves a torn package
    built.zip_path.replace(final)  # atomic on one file system: the package appears whole
    _durable(final.parent)  # and the name with it
    staging_remove(job_id)
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.cancel_requested or job.status != ExportStatus.RUNNING:
            final.unlink(missing_ok=True)
            export_finish(job, ExportStatus.CANCELLED, note="cancelled as the package was finished")
            return ExportStatus.CANCELLED
        _record_package(job, cohort, built, name)
        export_finish(job, ExportStatus.SUCCEEDED, note=f"{job.files_included} files")
    return ExportStatus.SUCCEEDED


def _durable(path: Path) -> None:
    """fsync the file (or folder): once per package, never per file."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _record_package(job: ExportJob, cohort: Cohort, built: BuiltPackage, name: str) -> None:
    studies_per_patient: dict[int, int] = {}
    for mapping in built.studies:
        studies_per_patient[mapping.patient_id] = studies_per_patient.get(mapping.patient_id, 0) + 1
    ExportMember.objects.bulk_create(
        ExportMember(job=job, patient_id=patient_id, studies=count)
        for patient_id, count in studies_per_patient.items()
    )
    ReidentificationEntry.objects.bulk_create(
        ReidentificationEntry(
            job=job,
            patient_id=mapping.patient_id,
            participant_pseudonym=mapping.participant_pseudonym,
            original_study_uid=mapping.original_study_uid,
            pseudonymous_study_uid=mapping.pseudonymous_study_uid,
        )
        for mapping in built.studies
    )
    job.participants_included = len(studies_per_patient)
    job.studies_included = len(built.studies)
    job.files_included = built.files_included
    job.excluded = cohort.excluded
    job.files_withheld = dict(built.files_withheld)
    job.profile_edition = PROFILE_EDITION
    job.package_name, job.package_bytes, job.package_sha256 = name, built.size, built.sha256
    job.expires_at = timezone.now() + timedelta(days=settings.RESEARCH_EXPORT_RETENTION_DAYS)
    job.progress_done = job.progress_total
    job.save()
    audit_record_many(
        actor=SYSTEM_ACTOR,
        entries=[
            AuditEntry(AuditAction.EXPORT, "patient", patient_id, detail={"research_export": job.pk})
            for patient_id in sorted(studies_per_patient)
        ]
        + [
            AuditEntry(
                AuditAction.EXPORT, EXPORT_JOB, job.pk, detail={"participants": len(studies_per_patient)}
            )
        ],
    )
