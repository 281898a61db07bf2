"""CSV import of participants: check a file and keep it for review, then import it or discard it.

The upload stores one PatientImport row (the file and its row-level problems) and nothing else.
Importing re-reads and re-checks the file against the register, then creates the participants,
their consent events and one audit event each in a single transaction: all of it or nothing.
"""

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.bulk_insert import bulk_insert, gc_paused
from screening.core.models import AuditAction
from screening.patients.models import (
    ConsentAction,
    ConsentEvent,
    ConsentMethod,
    Patient,
    PatientImport,
    PatientImportStatus,
)
from screening.patients.patient_import_rows import (
    ImportReport,
    ImportRow,
    import_rows_validate,
    import_table_head,
    import_table_read,
)
from screening.patients.patient_services import PATIENT

logger = logging.getLogger(__name__)

PATIENT_IMPORT = "patient_import"
IMPORT_PERMISSION = "patients.import_patients"
PREVIEW_ROWS = 200
_NOT_CSV_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers", ".pdf", ".zip")


@dataclass(frozen=True)
class PreviewRow:
    number: int
    cells: list[str]
    problems: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems


def patient_import_preview(
    *, actor: Actor, uploaded_file_or_bytes: bytes | IO[bytes], filename: str
) -> PatientImport:
    """Check an uploaded CSV and keep it for review; a file unreadable as a whole stores nothing."""
    user = _importing_user(actor)
    content = _upload_content(uploaded_file_or_bytes, filename)
    with gc_paused():
        table = import_table_read(content, max_rows=settings.PATIENT_IMPORT_MAX_ROWS)
        report = import_rows_validate(table)
    with transaction.atomic():
        patient_import = PatientImport.objects.create(
            uploaded_by=user,
            content=content,
            row_count=len(report.rows),
            valid_count=report.valid_count,
            invalid_count=report.invalid_count,
            errors=report.problems_for_storage(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type=PATIENT_IMPORT,
            object_id=patient_import.pk,
            detail=_counts(patient_import),
        )
    logger.info("Patient import %s previewed: %s", patient_import.pk, _counts(patient_import))
    return patient_import


def patient_import_commit(
    *, actor: Actor, patient_import: PatientImport, valid_rows_only: bool
) -> PatientImport:
    """Import the previewed file, or only its valid rows when asked to, with consents and audit."""
    _importing_user(actor)
    try:
        with gc_paused(), transaction.atomic():
            locked = _locked_for_decision(actor=actor, patient_import=patient_import)
            report = import_rows_validate(
                import_table_read(bytes(locked.content), max_rows=settings.PATIENT_IMPORT_MAX_ROWS)
            )
            changed = _changed_since_preview(locked, report)
            if changed:
                _store_report(locked, report)  # kept, so the preview shows what changed
            else:
                _check_importable(report, valid_rows_only=valid_rows_only)
                _import_rows(actor=actor, patient_import=locked, report=report)
    except IntegrityError as error:  # a participant of the file was registered at this very moment
        raise ValidationError(
            "A participant of this file was registered while it was being imported; nothing was "
            "imported. Check the preview and confirm again."
        ) from error
    if changed:
        raise ValidationError(
            "The register has changed since the preview (identifiers of this file were registered "
            "meanwhile); nothing was imported. Check the updated preview and confirm again."
        )
    return locked


@transaction.atomic
def patient_import_discard(*, actor: Actor, patient_import: PatientImport) -> PatientImport:
    """Drop a previewed import without importing anything; the uploaded file is deleted."""
    _importing_user(actor)
    locked = _locked_for_decision(actor=actor, patient_import=patient_import)
    locked.status = PatientImportStatus.DISCARDED
    locked.content = b""
    locked.save(update_fields=["status", "content", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        object_type=PATIENT_IMPORT,
        object_id=locked.pk,
        detail={"status": PatientImportStatus.DISCARDED},
    )
    logger.info("Patient import %s discarded", locked.pk)
    return locked


def patient_import_get(*, actor: Actor, import_id: int) -> PatientImport:
    """One of the actor's own imports; anyone else's is a 404, as an import is its uploader's work."""
    patient_import = PatientImport.objects.filter(pk=import_id, uploaded_by_id=actor.user_id).first()
    if patient_import is None:
        raise Http404("No such import.")
    return patient_import


def patient_imports_awaiting_decision(*, actor: Actor) -> QuerySet[PatientImport]:
    """The actor's previewed imports, newest first (without their files)."""
    return (
        PatientImport.objects.filter(uploaded_by_id=actor.user_id, status=PatientImportStatus.PREVIEWED)
        .defer("content")
        .order_by("-created_at")
    )


def patient_import_sample(
    *, actor: Actor, patient_import: PatientImport, limit: int = PREVIEW_ROWS
) -> tuple[tuple[str, ...], list[PreviewRow]]:
    """The header and first rows of a previewed file with their problems; audited as a read."""
    if patient_import.status != PatientImportStatus.PREVIEWED:
        return (), []  # the file is deleted once imported or discarded
    table = import_table_head(bytes(patient_import.content), limit=limit)
    problems_by_row: dict[int, list[str]] = defaultdict(list)
    for problem in patient_import.errors:
        problems_by_row[problem["row"]].append(problem["message"])
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=PATIENT_IMPORT,
        object_id=patient_import.pk,
        detail={"rows_shown": len(table.records)},
    )
    rows = [PreviewRow(number, fields, problems_by_row.get(number, [])) for number, fields in table.records]
    return table.header, rows


def _importing_user(actor: Actor) -> User:
    """The signed-in user behind an import; refused without the right to import."""
    if actor.user is None or not actor.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied("Importing participants needs the right to import participants.")
    return actor.user


def _upload_content(uploaded: bytes | IO[bytes], filename: str) -> bytes:
    """The file's bytes, refused when too large or obviously not a CSV."""
    max_bytes = settings.PATIENT_IMPORT_MAX_BYTES
    too_large = ValidationError(f"The file is larger than {max_bytes // 1024 // 1024 or 1} MB; split it.")
    if filename.lower().endswith(_NOT_CSV_EXTENSIONS):
        raise ValidationError("This is a spreadsheet or document, not a CSV file. Save it as 'CSV UTF-8'.")
    if isinstance(uploaded, bytes | bytearray | memoryview):
        content = bytes(uploaded)
    else:
        if (getattr(uploaded, "size", None) or 0) > max_bytes:
            raise too_large  # refused before reading it
        content = uploaded.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_large
    return content


def _locked_for_decision(*, actor: Actor, patient_import: PatientImport) -> PatientImport:
    locked = PatientImport.objects.select_for_update().get(pk=patient_import.pk)
    if locked.uploaded_by_id != actor.user_id:
        raise PermissionDenied("Only the person who uploaded an import can import or discard it.")
    if locked.status != PatientImportStatus.PREVIEWED:
        raise ValidationError(f"This import was already {locked.get_status_display().lower()}.")
    return locked


def _changed_since_preview(patient_import: PatientImport, report: ImportReport) -> bool:
    return (
        report.valid_count != patient_import.valid_count
        or report.invalid_count != patient_import.invalid_count
        or report.problems_for_storage() != patient_import.errors
    )


def _store_report(patient_import: PatientImport, report: ImportReport) -> None:
    patient_import.row_count = len(report.rows)
    patient_import.valid_count = report.valid_count
    patient_import.invalid_count = report.invalid_count
    patient_import.errors = report.problems_for_storage()
    patient_import.save(update_fields=["row_count", "valid_count", "invalid_count", "errors", "updated_at"])


def _check_importable(report: ImportReport, *, valid_rows_only: bool) -> None:
    if report.invalid_count and not valid_rows_only:
        raise ValidationError(
            f"{report.invalid_count} rows are invalid, so nothing was imported. Correct the file, "
            f"or choose to import only the {report.valid_count} valid rows."
        )
    if not report.valid_count:
        raise ValidationError("No row of this file is valid: there is nothing to import.")


def _import_rows(*, actor: Actor, patient_import: PatientImport, report: ImportReport) -> None:
    rows = report.valid_rows
    patients = [row.patient for row in rows if row.patient is not None]
    _insert_patients(patients)
    consents = _consent_events(actor=actor, patient_import=patient_import, rows=rows)
    bulk_insert(ConsentEvent, consents)
    patient_import.status = PatientImportStatus.IMPORTED
    patient_import.imported_count = len(patients)
    patient_import.imported_at = timezone.now()
    patient_import.content = b""
    patient_import.save(update_fields=["status", "imported_count", "imported_at", "content", "updated_at"])
    audit_record_many(actor=actor, entries=_audit_entries(patient_import, rows, consents, report))
    logger.info(
        "Patient import %s imported: %s participants, %s consent events",
        patient_import.pk,
        len(patients),
        len(consents),
    )


def _insert_patients(patients: list[Patient]) -> None:
    """Insert new participants and give them their ids."""
    bulk_insert(Patient, patients)
    if connection.vendor != "postgresql":
        return  # bulk_create has set the ids
    identifiers_by_issuer = defaultdict(list)
    for patient in patients:
        identifiers_by_issuer[patient.issuer].append(patient.identifier)
    table = connection.ops.quote_name(Patient._meta.db_table)
    sql = f"SELECT identifier, id FROM {table} WHERE issuer = %s AND identifier = ANY(%s)"  # noqa: S608
    ids: dict[tuple[str, str], int] = {}
    for issuer, identifiers in identifiers_by_issuer.items():
        ids.update(((issuer, identifier), pk) for identifier, pk in _fetch_all(sql, [issuer, identifiers]))
    for patient in patients:
        patient.pk = ids[(patient.issuer, patient.identifier)]


def _fetch_all(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """One query with an array parameter (PostgreSQL), where `__in` chunks would need dozens."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _consent_events(
    *, actor: Actor, patient_import: PatientImport, rows: list[ImportRow]
) -> list[ConsentEvent]:
    now = timezone.now()
    note = f"Imported from CSV (import {patient_import.pk})"
    return [
        ConsentEvent(
            patient_id=row.patient.pk,  # ids, not instances: much faster for 100 000 rows
            scope=scope,
            action=ConsentAction.GRANTED,
            occurred_at=now,
            recorded_by_id=actor.user_id,
            method=ConsentMethod.IMPORT,
            note=note,
        )
        for row in rows
        if row.patient is not None
        for scope in row.consent_scopes
    ]


def _audit_entries(
    patient_import: PatientImport, rows: list[ImportRow], consents: list[ConsentEvent], report: ImportReport
) -> Iterator[AuditEntry]:
    """One entry per participant (naming the consents granted with it), then one for the import."""
    for row in rows:
        assert row.patient is not None
        detail = {"import": patient_import.pk, "consents_granted": sorted(row.consent_scopes)}
        yield AuditEntry(AuditAction.CREATE, PATIENT, row.patient.pk, detail=detail)
    yield AuditEntry(
        AuditAction.IMPORT,
        PATIENT_IMPORT,
        patient_import.pk,
        detail={
            "participants": len(rows),
            "consent_events": len(consents),
            "invalid_rows_skipped": report.invalid_count,
        },
    )


def _counts(patient_import: PatientImport) -> dict[str, int]:
    return {
        "rows": patient_import.row_count,
        "valid": patient_import.valid_count,
        "invalid": patient_import.invalid_count,
    }
