"""Registry and pathology CSV import: check a file and keep it for review, then import or discard it.

The patient import's pattern (patients/patient_import_services.py): the upload stores one
RegistryImport (the file and its problems) and nothing else; importing re-reads and re-checks the
file and then, in one transaction, records the new diagnoses (linked to the episodes they followed),
queues the rows that match no participant and audits each: all of it or nothing. A file with an
invalid row imports nothing. Rows recorded or queued before are duplicates and change nothing, so
importing the same file twice changes nothing.
"""

import logging
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.models import AuditAction
from screening.outcomes.models import (
    Diagnosis,
    RecordedVia,
    RegistryImport,
    RegistryImportStatus,
    UnmatchedDiagnosis,
)
from screening.outcomes.outcome_services import (
    DIAGNOSIS,
    diagnosis_audit_detail,
    diagnosis_build,
    episodes_imaged,
)
from screening.outcomes.outcome_signals import outcomes_changed_send
from screening.outcomes.registry_import_rows import RegistryRow, RowAction, registry_rows_read

logger = logging.getLogger(__name__)

REGISTRY_IMPORT, UNMATCHED_DIAGNOSIS = "registry_import", "unmatched_diagnosis"
IMPORT_PERMISSION = "outcomes.import_registry"
PREVIEW_ROWS = 200
_NOT_CSV_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers", ".pdf", ".zip")


def registry_import_preview(*, actor: Actor, uploaded: bytes | IO[bytes], filename: str) -> RegistryImport:
    """Check an uploaded CSV and keep it for review; a file unreadable as a whole stores nothing."""
    user = _importing_user(actor)
    content = _upload_content(uploaded, filename)
    rows = registry_rows_read(content, max_rows=settings.REGISTRY_IMPORT_MAX_ROWS)
    with transaction.atomic():
        registry_import = RegistryImport(uploaded_by=user, content=content)
        _store_counts(registry_import, rows)
        registry_import.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type=REGISTRY_IMPORT,
            object_id=registry_import.pk,
            detail=_counts(registry_import),
        )
    return registry_import


def registry_import_commit(*, actor: Actor, registry_import: RegistryImport) -> RegistryImport:
    """Import the previewed file: every row or none; duplicates change nothing."""
    _importing_user(actor)
    try:
        with transaction.atomic():
            locked = _locked_for_decision(actor=actor, registry_import=registry_import)
            rows = registry_rows_read(bytes(locked.content), max_rows=settings.REGISTRY_IMPORT_MAX_ROWS)
            before = _counts(locked)
            _store_counts(locked, rows)
            changed = _counts(locked) != before
            if changed:
                locked.save(update_fields=[*_COUNT_FIELDS, "errors", "updated_at"])
            else:
                _import_rows(actor=actor, registry_import=locked, rows=rows)
    except IntegrityError as error:  # the same rows imported by someone else at this very moment
        raise ValidationError(
            "Rows of this file were imported meanwhile; nothing was imported. Check the preview again."
        ) from error
    if changed:
        raise ValidationError(
            "The records have changed since the preview; nothing was imported. Check the updated "
            "preview and confirm again."
        )
    return locked


@transaction.atomic
def registry_import_discard(*, actor: Actor, registry_import: RegistryImport) -> RegistryImport:
    """Drop a previewed import without importing anything; the uploaded file is deleted."""
    _importing_user(actor)
    locked = _locked_for_decision(actor=actor, registry_import=registry_import)
    locked.status, locked.content = RegistryImportStatus.DISCARDED, b""
    locked.save(update_fields=["status", "content", "updated_at"])
    audit_record(actor=actor, action=AuditAction.DELETE, object_type=REGISTRY_IMPORT, object_id=locked.pk)
    return locked


def registry_import_get(*, actor: Actor, import_id: int) -> RegistryImport:
    """One of the actor's own imports; anyone else's is a 404."""
    _importing_user(actor)
    found = RegistryImport.objects.filter(pk=import_id, uploaded_by_id=actor.user_id).first()
    if found is None:
        raise Http404("No such import.")
    return found


def registry_imports_awaiting_decision(*, actor: Actor) -> QuerySet[RegistryImport]:
    """The actor's previewed imports, newest first (without their files)."""
    return (
        RegistryImport.objects.filter(uploaded_by_id=actor.user_id, status=RegistryImportStatus.PREVIEWED)
        .defer("content")
        .order_by("-created_at")
    )


def registry_import_sample(
    *, actor: Actor, registry_import: RegistryImport, limit: int = PREVIEW_ROWS
) -> list[RegistryRow]:
    """The first rows of a previewed file with what importing each does and why; audited as a read."""
    if registry_import.status != RegistryImportStatus.PREVIEWED:
        return []
    try:
        rows = registry_rows_read(bytes(registry_import.content), max_rows=settings.REGISTRY_IMPORT_MAX_ROWS)
    except ValidationError:
        rows = []  # a stored file was readable when previewed; should the rules change, show no rows
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=REGISTRY_IMPORT,
        object_id=registry_import.pk,
        detail={"rows_shown": min(limit, len(rows))},
    )
    return rows[:limit]


_COUNT_FIELDS = ["row_count", "new_count", "duplicate_count", "unmatched_count", "invalid_count"]


def _store_counts(registry_import: RegistryImport, rows: list[RegistryRow]) -> None:
    actions = [row.action for row in rows]
    registry_import.row_count = len(rows)
    registry_import.new_count = actions.count(RowAction.NEW)
    registry_import.duplicate_count = actions.count(RowAction.DUPLICATE)
    registry_import.unmatched_count = actions.count(RowAction.UNMATCHED)
    registry_import.invalid_count = actions.count(RowAction.INVALID)
    registry_import.errors = [
        {"row": row.number, "field": name, "message": message}
        for row in rows
        for name, message in row.problems
    ][:10_000]


def _counts(registry_import: RegistryImport) -> dict[str, int]:
    return {name: getattr(registry_import, name) for name in _COUNT_FIELDS}


def _import_rows(*, actor: Actor, registry_import: RegistryImport, rows: list[RegistryRow]) -> None:
    if registry_import.invalid_count:
        raise ValidationError(
            f"{registry_import.invalid_count} rows are invalid, so nothing was imported: correct the "
            "file and upload it again."
        )
    now = timezone.now()
    new = [row for row in rows if row.action == RowAction.NEW]
    episodes = episodes_imaged(patient_ids=sorted({row.patient_id for row in new if row.patient_id}))
    diagnoses = []
    for row in new:
        assert row.patient_id is not None and row.diagnosed_on is not None
        diagnosis = diagnosis_build(
            patient_id=row.patient_id,
            diagnosed_on=row.diagnosed_on,
            kind=row.kind,
            reporting_source=row.source,
            side=row.side,
            size_mm=row.size_mm,
            episodes=episodes,
        )
        diagnosis.recorded_at, diagnosis.recorded_by_id, diagnosis.recorded_via = (
            now,
            actor.user_id,
            RecordedVia.REGISTRY,
        )
        diagnosis.registry_import, diagnosis.fingerprint = registry_import, row.fingerprint
        diagnoses.append(diagnosis)
    Diagnosis.objects.bulk_create(diagnoses)
    outcomes_changed_send(diagnosis.episode_id for diagnosis in diagnoses)
    unmatched = UnmatchedDiagnosis.objects.bulk_create(
        _unmatched(registry_import, row) for row in rows if row.action == RowAction.UNMATCHED
    )
    registry_import.status, registry_import.imported_at = RegistryImportStatus.IMPORTED, now
    registry_import.content = b""
    registry_import.save(update_fields=["status", "imported_at", "content", "updated_at"])
    audit_record_many(actor=actor, entries=_audit_entries(registry_import, diagnoses, unmatched))
    logger.info("Registry import %s imported: %s", registry_import.pk, _counts(registry_import))


def _unmatched(registry_import: RegistryImport, row: RegistryRow) -> UnmatchedDiagnosis:
    assert row.diagnosed_on is not None
    return UnmatchedDiagnosis(
        registry_import=registry_import,
        row_number=row.number,
        identifier=row.identifier,
        issuer=row.issuer,
        diagnosed_on=row.diagnosed_on,
        side=row.side,
        kind=row.kind,
        size_mm=row.size_mm,
        reporting_source=row.source,
        fingerprint=row.fingerprint,
    )


def _audit_entries(
    registry_import: RegistryImport, diagnoses: list[Diagnosis], unmatched: list[UnmatchedDiagnosis]
) -> Iterator[AuditEntry]:
    for diagnosis in diagnoses:
        yield AuditEntry(
            AuditAction.CREATE, DIAGNOSIS, diagnosis.pk or "", detail=diagnosis_audit_detail(diagnosis)
        )
    for row in unmatched:
        yield AuditEntry(
            AuditAction.CREATE, UNMATCHED_DIAGNOSIS, row.pk or "", detail={"import": registry_import.pk}
        )
    yield AuditEntry(AuditAction.IMPORT, REGISTRY_IMPORT, registry_import.pk, detail=_counts(registry_import))


def _importing_user(actor: Actor) -> User:
    if actor.user is None or not actor.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied("Importing registry files needs the right to import them.")
    return actor.user


def _upload_content(uploaded: bytes | IO[bytes], filename: str) -> bytes:
    max_bytes = settings.REGISTRY_IMPORT_MAX_BYTES
    too_large = ValidationError(f"The file is larger than {max(max_bytes // 1024 // 1024, 1)} MB; split it.")
    if filename.lower().endswith(_NOT_CSV_EXTENSIONS):
        raise ValidationError("This is a spreadsheet or document, not a CSV file. Save it as 'CSV UTF-8'.")
    if isinstance(uploaded, bytes):
        content = uploaded
    else:
        if (getattr(uploaded, "size", None) or 0) > max_bytes:
            raise too_large
        content = uploaded.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_large
    return content


def _locked_for_decision(*, actor: Actor, registry_import: RegistryImport) -> RegistryImport:
    locked = RegistryImport.objects.select_for_update().get(pk=registry_import.pk)
    if locked.uploaded_by_id != actor.user_id:
        raise PermissionDenied("Only the person who uploaded an import can import or discard it.")
    if locked.status != RegistryImportStatus.PREVIEWED:
        raise ValidationError(f"This import was already {locked.get_status_display().lower()}.")
    return locked
