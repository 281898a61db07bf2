"""Intake of a batch of DICOM files at once: one upload request, an archive, a STOW-RS request, one C-STORE.

Each file is validated and its metadata read first (pure, outside any transaction). Refused files
are quarantined, recorded and audited together. The accepted ones are stored in one transaction:
study and series rows taken once per batch, the instance rows inserted together with ON CONFLICT
DO NOTHING on the SOP Instance UID (an instance a concurrent sender inserted first waits for its
commit and is then reported already present), each file written to its UID path while this
transaction holds the row's unique key, and one audit append for the whole batch. Keys are taken
in sorted order (studies, series, instances) so concurrent batches cannot deadlock.

A failure before the commit removes the files written and rolls back every row: a batch is stored
whole or not at all, and its refusals stay recorded. New studies are matched after the commit,
each in its own transaction (matching locks the episode before the audit chain head; doing it
while this batch already holds the head could deadlock with a coordinator's episode change). A
study whose matching fails waits in the reconciliation queue, as an unmatched one does.
"""

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record_many
from screening.core.bulk_insert import bulk_insert_new
from screening.core.compiled_sql import compiled_rows
from screening.core.models import AuditAction, AuditOutcome
from screening.imaging.dicom_metadata import InstanceMetadata, metadata_extract
from screening.imaging.dicom_storage import (
    instance_file_write,
    quarantine_write,
    stored_file_delete,
)
from screening.imaging.dicom_validation import (
    DicomRejection,
    IntakeLimits,
    RejectionReason,
    instance_validate,
)
from screening.imaging.intake_outcomes import (
    ALREADY_PRESENT_MESSAGE,
    FILENAME_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    SENDER_MAX_LENGTH,
    IngestOutcome,
    IngestStatus,
    IntakeFile,
    printable,
)
from screening.imaging.intake_rows import instance_row, instances_existing, series_row, study_row
from screening.imaging.intake_signals import intake_batch, study_received
from screening.imaging.models import Instance, IntakeRejection, IntakeSource, Series, Study
from screening.imaging.study_matching import study_match_on_arrival

logger = logging.getLogger(__name__)

INSTANCE = "dicom_instance"


@dataclass(frozen=True)
class Refusal:
    """A file intake refused: quarantined (within the size limit), recorded and audited."""

    index: int
    filename: str
    data: bytes
    rejection: DicomRejection
    sop_instance_uid: str = ""
    object_type: str = INSTANCE
    size: int | None = None  # of a file refused unread (too large); else the length of data


@dataclass(frozen=True)
class AcceptedFile:
    """A file that passed validation, with its metadata: ready to be stored."""

    index: int
    filename: str
    metadata: InstanceMetadata
    data: bytes

    @property
    def sop_uid(self) -> str:
        return self.metadata.sop_instance_uid


def instances_ingest(
    *, actor: Actor, source: str, files: Sequence[IntakeFile], sender: str = ""
) -> list[IngestOutcome]:
    """Validate, store, match and audit a batch of DICOM files; one outcome per file, in order."""
    limits = IntakeLimits.from_settings()
    read = [intake_file_read(file, index=index, limits=limits) for index, file in enumerate(files)]
    return read_files_ingest(actor=actor, source=source, read=read, sender=sender)


def intake_file_read(
    file: IntakeFile, *, index: int = 0, limits: IntakeLimits | None = None
) -> AcceptedFile | Refusal:
    """Validate one file and read its metadata (pure: no database, no storage); or its refusal."""
    filename = printable(file.filename, FILENAME_MAX_LENGTH)
    try:
        metadata = _metadata_read(file.data, limits or IntakeLimits.from_settings())
    except DicomRejection as rejection:
        return Refusal(index, filename, file.data, rejection)
    return AcceptedFile(index, filename, metadata, file.data)


def read_files_ingest(
    *, actor: Actor, source: str, read: Sequence[AcceptedFile | Refusal], sender: str = ""
) -> list[IngestOutcome]:
    """Store, match and audit a batch of files already read by ``intake_file_read``; one outcome per
    file, in order (C-STORE reads each store in its association's thread, before the shared commit)."""
    if source not in IntakeSource.values:
        raise ValueError(f"Unknown intake source {source!r}.")
    sender = printable(sender or actor.username, SENDER_MAX_LENGTH)
    accepted: list[AcceptedFile] = []
    refusals: list[Refusal] = []
    for index, item in enumerate(read):
        if isinstance(item, AcceptedFile):
            accepted.append(replace(item, index=index))
        else:
            refusals.append(replace(item, index=index))
    outcomes: dict[int, IngestOutcome] = {}
    with intake_batch():
        if refusals:
            outcomes.update(refusals_record(actor=actor, source=source, sender=sender, refusals=refusals))
        if accepted:
            outcomes.update(_accepted_store(actor, source, sender, accepted))
    return [outcomes[index] for index in range(len(read))]


def refusals_record(
    *, actor: Actor, source: str, sender: str, refusals: Sequence[Refusal]
) -> dict[int, IngestOutcome]:
    """Quarantine, record and audit refused files in one transaction; their outcomes by index."""
    with transaction.atomic():
        records, entries = _refusal_rows(source, sender, refusals)
        audit_record_many(actor=actor, entries=entries)
    for record in records:
        logger.info("DICOM intake from %s refused: %s (rejection %s)", source, record.reason, record.pk)
    return {refusal.index: _refused_outcome(refusal) for refusal in refusals}


def _metadata_read(data: bytes, limits: IntakeLimits) -> InstanceMetadata:
    try:
        return metadata_extract(instance_validate(data, limits), data=data)
    except DicomRejection:
        raise
    except Exception as exc:  # validation is pure: anything it did not foresee is still bad input
        raise DicomRejection(
            RejectionReason.UNPARSABLE, f"The file cannot be read as DICOM ({type(exc).__name__})."
        ) from exc


def _accepted_store(
    actor: Actor, source: str, sender: str, accepted: list[AcceptedFile]
) -> dict[int, IngestOutcome]:
    firsts: dict[str, AcceptedFile] = {}
    for item in accepted:
        firsts.setdefault(item.sop_uid, item)  # a repeat within the batch is already present
    present = instances_existing(firsts)
    new = sorted((item for uid, item in firsts.items() if uid not in present), key=lambda item: item.sop_uid)
    written: list[str] = []
    try:
        with transaction.atomic():
            known = _series_known(new)
            studies, created_studies = _studies_get_or_create(new, source, known)
            series, conflicts = _series_get_or_create(new, studies, known)
            refused = {refusal.sop_instance_uid: refusal for refusal in conflicts}
            rows = {
                item.sop_uid: instance_row(series[item.metadata.series_instance_uid], item.metadata, source)
                for item in new
                if item.sop_uid not in refused
            }
            inserted = bulk_insert_new(Instance, list(rows.values()), unique_field="sop_instance_uid")
            stored = {uid: rows[uid] for uid in sorted(inserted)}
            for uid, instance in stored.items():
                path = str(instance.file.name)
                written.append(instance_file_write(path, firsts[uid].data))
                if written[-1] != path:
                    instance.file.name = written[-1]
                    instance.save(update_fields=["file"])
            present.update(instances_existing([uid for uid in rows if uid not in inserted], required=True))
            _records, refusal_entries = _refusal_rows(source, sender, conflicts)
            outcomes, entries = _batch_outcomes(
                source, accepted, firsts, stored, present, refused, created_studies
            )
            audit_record_many(actor=actor, entries=entries + refusal_entries)
    except BaseException:
        for name in written:  # the rows rolled back: leave no file behind either
            stored_file_delete(name)
        raise
    if stored:
        logger.info("DICOM intake from %s: %s instances stored", source, len(stored))
    matched = _new_studies_match(actor, [studies[uid] for uid in sorted(created_studies)])
    for index, outcome in outcomes.items():
        if outcome.status == IngestStatus.STORED and outcome.study is not None:
            study = matched.get(outcome.study.pk, outcome.study)
            outcomes[index] = replace(outcome, study=study)
            study_received(study.pk)
    return outcomes


def _batch_outcomes(
    source: str,
    accepted: list[AcceptedFile],
    firsts: dict[str, AcceptedFile],
    stored: dict[str, Instance],
    present: dict[str, Instance],
    refused: dict[str, Refusal],
    created_studies: set[str],
) -> tuple[dict[int, IngestOutcome], list[AuditEntry]]:
    """Each accepted file's outcome, and the audit entries of the stored and already present ones."""
    outcomes: dict[int, IngestOutcome] = {}
    entries: list[AuditEntry] = []
    for item in accepted:
        uid = item.sop_uid
        if uid in refused:  # its series belongs to another study (recorded once, for the first)
            outcomes[item.index] = replace(_refused_outcome(refused[uid]), filename=item.filename)
            continue
        if uid in stored and firsts[uid].index == item.index:
            instance, status, message = stored[uid], IngestStatus.STORED, ""
            entries.append(_stored_entry(source, instance, created_studies))
        else:
            instance = stored.get(uid) or present[uid]
            status, message = IngestStatus.ALREADY_PRESENT, ALREADY_PRESENT_MESSAGE
            entries.append(_present_entry(source, instance))
        outcomes[item.index] = IngestOutcome(
            status=status,
            filename=item.filename,
            message=message,
            sop_instance_uid=uid,
            study=instance.series.study,
            instance=instance,
        )
    return outcomes, entries


def _series_known(new: list[AcceptedFile]) -> dict[str, Series]:
    """The batch's series already stored, with their studies: one query where a sender adds images
    to a series it has begun (each slice of a CT volume sent in its own request)."""
    uids = sorted({item.metadata.series_instance_uid for item in new})
    if not uids:
        return {}
    rows = compiled_rows("series by UID", _series_by_uid, {"uids": uids})
    return {row.series_instance_uid: row for row in rows}


def _series_by_uid(values: Mapping[str, Any]) -> QuerySet[Series]:
    return Series.objects.filter(series_instance_uid__in=values["uids"]).select_related("study").order_by()


def _studies_get_or_create(
    new: list[AcceptedFile], source: str, known: dict[str, Series]
) -> tuple[dict[str, Study], set[str]]:
    """The batch's studies by UID, and the UIDs this batch created (a concurrent creator's are read)."""
    firsts: dict[str, InstanceMetadata] = {}
    for item in new:
        firsts.setdefault(item.metadata.study_instance_uid, item.metadata)
    studies = {row.study.study_instance_uid: row.study for row in known.values()}
    missing = [uid for uid in firsts if uid not in studies]
    if missing:
        studies.update(
            {
                study.study_instance_uid: study
                for study in Study.objects.filter(study_instance_uid__in=missing)
            }
        )
    rows = [study_row(firsts[uid], source) for uid in sorted(firsts) if uid not in studies]
    created = bulk_insert_new(Study, rows, unique_field="study_instance_uid")
    studies.update({row.study_instance_uid: row for row in rows if row.study_instance_uid in created})
    taken = [row.study_instance_uid for row in rows if row.study_instance_uid not in created]
    if taken:
        studies.update(
            {study.study_instance_uid: study for study in Study.objects.filter(study_instance_uid__in=taken)}
        )
    return studies, set(created)


def _series_get_or_create(
    new: list[AcceptedFile], studies: dict[str, Study], known: dict[str, Series]
) -> tuple[dict[str, Series], list[Refusal]]:
    """The batch's series by UID; an instance whose series belongs to another study is refused.

    Those not ``known`` are inserted; one a concurrent sender inserted meanwhile conflicts and is read."""
    firsts: dict[str, InstanceMetadata] = {}
    for item in new:
        firsts.setdefault(item.metadata.series_instance_uid, item.metadata)
    series = dict(known)
    rows = [
        series_row(studies[firsts[uid].study_instance_uid], firsts[uid])
        for uid in sorted(firsts)
        if uid not in series
    ]
    created = bulk_insert_new(Series, rows, unique_field="series_instance_uid")
    series.update({row.series_instance_uid: row for row in rows if row.series_instance_uid in created})
    taken = [row.series_instance_uid for row in rows if row.series_instance_uid not in created]
    if taken:
        series.update(
            {row.series_instance_uid: row for row in Series.objects.filter(series_instance_uid__in=taken)}
        )
    conflicts = []
    for item in new:
        row = series[item.metadata.series_instance_uid]
        study = studies[item.metadata.study_instance_uid]
        if row.study_id != study.pk:
            conflict = DicomRejection(
                RejectionReason.UID_CONFLICT,
                "This Series Instance UID is already stored under another study.",
            )
            conflicts.append(Refusal(item.index, item.filename, item.data, conflict, item.sop_uid))
        else:
            row.study = study
    return series, conflicts


def _new_studies_match(actor: Actor, studies: list[Study]) -> dict[int, Study]:
    """Match each study this batch created, each in its own transaction; a failure leaves it awaiting."""
    matched = {}
    for study in studies:
        try:
            matched[study.pk] = study_match_on_arrival(actor=actor, study=study)
        except Exception:
            logger.exception(
                "Study %s could not be matched on arrival; it waits for reconciliation", study.pk
            )
            matched[study.pk] = study
    return matched


def _stored_entry(source: str, instance: Instance, created_studies: set[str]) -> AuditEntry:
    study = instance.series.study
    detail: dict[str, Any] = {
        "source": source,
        "study": study.pk,
        "series": instance.series_id,
        "sop_instance_uid": instance.sop_instance_uid,
        "new_study": study.study_instance_uid in created_studies,
    }
    return AuditEntry(AuditAction.CREATE, INSTANCE, instance.pk, detail=detail)


def _present_entry(source: str, instance: Instance) -> AuditEntry:
    detail = {"source": source, "already_present": True, "sop_instance_uid": instance.sop_instance_uid}
    return AuditEntry(AuditAction.CREATE, INSTANCE, instance.pk, detail=detail)


def _refusal_rows(
    source: str, sender: str, refusals: Sequence[Refusal]
) -> tuple[list[IntakeRejection], list[AuditEntry]]:
    """Quarantine each refused file and insert its IntakeRejection row; the audit entries for them."""
    max_bytes = IntakeLimits.from_settings().max_file_bytes
    records = []
    for refusal in refusals:
        data = refusal.data
        sha256 = hashlib.sha256(data).hexdigest() if data else ""
        quarantined = quarantine_write(sha256, data) if data and len(data) <= max_bytes else ""
        records.append(
            IntakeRejection(
                source=source,
                filename=refusal.filename,
                reason=refusal.rejection.reason,
                message=refusal.rejection.message[:MESSAGE_MAX_LENGTH],
                size_bytes=len(data) if refusal.size is None else refusal.size,
                sha256=sha256,
                quarantine_file=quarantined,
                sender=sender,
            )
        )
    IntakeRejection.objects.bulk_create(records)
    entries = [
        AuditEntry(
            AuditAction.CREATE,
            refusal.object_type,
            refusal.sop_instance_uid,
            outcome=AuditOutcome.FAILED,
            detail={"source": source, "reason": refusal.rejection.reason, "intake_rejection": record.pk},
        )
        for refusal, record in zip(refusals, records, strict=True)
    ]
    return records, entries


def _refused_outcome(refusal: Refusal) -> IngestOutcome:
    return IngestOutcome(
        status=IngestStatus.REJECTED,
        filename=refusal.filename,
        reason=refusal.rejection.reason,
        message=refusal.rejection.message[:MESSAGE_MAX_LENGTH],
        sop_instance_uid=refusal.sop_instance_uid,
    )
