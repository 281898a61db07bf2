"""The one DICOM intake every path uses: browser upload, C-STORE, STOW-RS and the REST API.

Validate first (dicom_validation), then extract (dicom_metadata), then store: the instance row is
inserted first inside a transaction (its unique SOP Instance UID serialises concurrent senders),
the file is written to its UID path, the new study is matched, and everything commits together.
A crash before the commit can leave a file without a row (overwritten by the next attempt), never
a row without its file. Bad input never raises: it is refused, quarantined, recorded and audited.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome
from screening.imaging.archive_intake import ArchiveLimits, archive_entries, is_zip_archive
from screening.imaging.dicom_metadata import InstanceMetadata, metadata_extract
from screening.imaging.dicom_storage import (
    instance_file_write,
    instance_path,
    preamble_zeroed,
    quarantine_write,
    stored_file_delete,
)
from screening.imaging.dicom_validation import (
    DicomRejection,
    IntakeLimits,
    RejectionReason,
    instance_validate,
)
from screening.imaging.intake_signals import intake_batch, study_received
from screening.imaging.models import Instance, IntakeRejection, IntakeSource, Series, Study
from screening.imaging.study_matching import study_match_on_arrival

logger = logging.getLogger(__name__)

INSTANCE = "dicom_instance"
ARCHIVE = "dicom_archive"
FILENAME_MAX_LENGTH = 255
SENDER_MAX_LENGTH = 64
MESSAGE_MAX_LENGTH = 500


class IngestStatus(models.TextChoices):
    STORED = "stored", "Stored"
    ALREADY_PRESENT = "already_present", "Already present"
    REJECTED = "rejected", "Rejected"


@dataclass(frozen=True)
class IngestOutcome:
    """What became of one file: stored, already present (same SOP Instance UID), or rejected."""

    status: str
    filename: str = ""
    reason: str = ""
    message: str = ""
    sop_instance_uid: str = ""
    study: Study | None = None
    instance: Instance | None = None


class _AlreadyStored(Exception):
    """A concurrent sender committed the same SOP Instance UID first."""


def instance_ingest(
    *, actor: Actor, source: str, data: bytes, filename: str = "", sender: str = ""
) -> IngestOutcome:
    """Validate, store, match and audit one DICOM Part 10 file; bad input is refused, never raised."""
    if source not in IntakeSource.values:
        raise ValueError(f"Unknown intake source {source!r}.")
    filename, sender = (
        _printable(filename, FILENAME_MAX_LENGTH),
        _printable(sender or actor.username, SENDER_MAX_LENGTH),
    )
    limits = IntakeLimits.from_settings()
    try:
        validated = instance_validate(data, limits)
        metadata = metadata_extract(validated, data=data)
    except DicomRejection as rejection:
        return _rejected(actor, source, data, filename, sender, rejection)
    except Exception as exc:  # validation is pure: anything it did not foresee is still bad input
        unforeseen = DicomRejection(
            RejectionReason.UNPARSABLE, f"The file cannot be read as DICOM ({type(exc).__name__})."
        )
        return _rejected(actor, source, data, filename, sender, unforeseen)
    existing = _instance_existing(metadata.sop_instance_uid)
    if existing is not None:
        return _already_present(actor, source, filename, existing)
    try:
        return _stored(actor, source, filename, metadata, data)
    except _AlreadyStored:
        existing = _instance_existing(metadata.sop_instance_uid)
        if existing is None:  # the other sender rolled back after all: this is a real failure
            raise
        return _already_present(actor, source, filename, existing)
    except DicomRejection as rejection:
        return _rejected(actor, source, data, filename, sender, rejection, metadata.sop_instance_uid)


def upload_ingest(*, actor: Actor, source: str, name: str, data: bytes) -> list[IngestOutcome]:
    """Ingest one uploaded file: a DICOM file, or a ZIP of them read safely entry by entry."""
    with intake_batch():
        return _upload_entries_ingest(actor=actor, source=source, name=name, data=data)


def _upload_entries_ingest(*, actor: Actor, source: str, name: str, data: bytes) -> list[IngestOutcome]:
    if not is_zip_archive(data):
        return [instance_ingest(actor=actor, source=source, data=data, filename=name)]
    try:
        entries = archive_entries(data, ArchiveLimits.from_settings())
    except DicomRejection as rejection:
        sender = _printable(actor.username, SENDER_MAX_LENGTH)
        archive_name = _printable(name, FILENAME_MAX_LENGTH)
        return [_rejected(actor, source, data, archive_name, sender, rejection, object_type=ARCHIVE)]
    outcomes = []
    try:
        for entry in entries:
            entry_name = f"{name}: {entry.name}"
            outcomes.append(instance_ingest(actor=actor, source=source, data=entry.data, filename=entry_name))
    except DicomRejection as rejection:  # verified whole beforehand, so only if it changed under us
        sender = _printable(actor.username, SENDER_MAX_LENGTH)
        archive_name = _printable(name, FILENAME_MAX_LENGTH)
        outcomes.append(_rejected(actor, source, data, archive_name, sender, rejection, object_type=ARCHIVE))
    return outcomes


def _stored(
    actor: Actor, source: str, filename: str, metadata: InstanceMetadata, data: bytes
) -> IngestOutcome:
    path = instance_path(
        study_uid=metadata.study_instance_uid,
        series_uid=metadata.series_instance_uid,
        sop_uid=metadata.sop_instance_uid,
    )
    written = ""
    try:
        with transaction.atomic():
            study, study_created = _study_get_or_create(metadata, source)
            series = _series_get_or_create(study, metadata)
            try:
                with transaction.atomic():
                    instance = _instance_create(series, metadata, source, path)
            except IntegrityError as exc:
                raise _AlreadyStored from exc
            written = instance_file_write(path, preamble_zeroed(data))
            if written != path:
                instance.file.name = written
                instance.save(update_fields=["file"])
            if study_created:
                study = study_match_on_arrival(actor=actor, study=study)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type=INSTANCE,
                object_id=instance.pk,
                detail={
                    "source": source,
                    "study": study.pk,
                    "series": series.pk,
                    "sop_instance_uid": metadata.sop_instance_uid,
                    "new_study": study_created,
                    "match_status": study.match_status,
                },
            )
    except BaseException:
        stored_file_delete(written)  # the rows rolled back: leave no file behind either
        raise
    logger.info("DICOM instance %s stored from %s (study %s)", instance.pk, source, study.pk)
    study_received(study.pk)
    return IngestOutcome(
        status=IngestStatus.STORED,
        filename=filename,
        sop_instance_uid=metadata.sop_instance_uid,
        study=study,
        instance=instance,
    )


def _study_get_or_create(metadata: InstanceMetadata, source: str) -> tuple[Study, bool]:
    """The study by its UID; concurrent creators end with one row (get_or_create retries the get)."""
    return Study.objects.get_or_create(
        study_instance_uid=metadata.study_instance_uid,
        defaults={
            "dicom_patient_id": metadata.patient_id,
            "dicom_issuer": metadata.patient_id_issuer,
            "dicom_patient_name": metadata.patient_name,
            "dicom_birth_date": metadata.patient_birth_date,
            "dicom_sex": metadata.patient_sex,
            "study_date": metadata.study_date,
            "study_time": metadata.study_time,
            "accession_number": metadata.accession_number,
            "modality": metadata.modality,
            "description": metadata.study_description,
            "first_source": source,
        },
    )


def _series_get_or_create(study: Study, metadata: InstanceMetadata) -> Series:
    series, _created = Series.objects.get_or_create(
        series_instance_uid=metadata.series_instance_uid,
        defaults={
            "study": study,
            "series_number": metadata.series_number,
            "modality": metadata.modality,
            "body_part": metadata.body_part,
            "description": metadata.series_description,
            "manufacturer": metadata.manufacturer,
            "manufacturer_model": metadata.manufacturer_model,
            "software_versions": metadata.software_versions,
        },
    )
    if series.study_id != study.pk:
        raise DicomRejection(
            RejectionReason.UID_CONFLICT, "This Series Instance UID is already stored under another study."
        )
    return series


def _instance_create(series: Series, metadata: InstanceMetadata, source: str, path: str) -> Instance:
    return Instance.objects.create(
        series=series,
        sop_instance_uid=metadata.sop_instance_uid,
        sop_class_uid=metadata.sop_class_uid,
        transfer_syntax_uid=metadata.transfer_syntax_uid,
        instance_number=metadata.instance_number,
        laterality=metadata.laterality,
        view_position=metadata.view_position,
        rows=metadata.rows,
        columns=metadata.columns,
        frames=metadata.frames,
        bits_stored=metadata.bits_stored,
        photometric_interpretation=metadata.photometric_interpretation,
        pixel_spacing=metadata.pixel_spacing,
        slice_thickness=metadata.slice_thickness,
        slice_location=metadata.slice_location,
        image_position=metadata.image_position,
        image_orientation=metadata.image_orientation,
        burned_in_annotation=metadata.burned_in_annotation,
        file=path,
        size_bytes=metadata.size_bytes,
        sha256=metadata.sha256,
        source=source,
    )


def _instance_existing(sop_instance_uid: str) -> Instance | None:
    return Instance.objects.select_related("series__study").filter(sop_instance_uid=sop_instance_uid).first()


@transaction.atomic
def _already_present(actor: Actor, source: str, filename: str, instance: Instance) -> IngestOutcome:
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=INSTANCE,
        object_id=instance.pk,
        detail={"source": source, "already_present": True, "sop_instance_uid": instance.sop_instance_uid},
    )
    return IngestOutcome(
        status=IngestStatus.ALREADY_PRESENT,
        filename=filename,
        message="This instance (SOP Instance UID) is already stored.",
        sop_instance_uid=instance.sop_instance_uid,
        study=instance.series.study,
        instance=instance,
    )


def _rejected(
    actor: Actor,
    source: str,
    data: bytes,
    filename: str,
    sender: str,
    rejection: DicomRejection,
    sop_instance_uid: str = "",
    *,
    object_type: str = INSTANCE,
) -> IngestOutcome:
    """Quarantine the bytes (within the size limit), record the refusal and audit it."""
    sha256 = hashlib.sha256(data).hexdigest() if data else ""
    quarantined = ""
    if data and len(data) <= IntakeLimits.from_settings().max_file_bytes:
        quarantined = quarantine_write(sha256, data)
    message = rejection.message[:MESSAGE_MAX_LENGTH]
    with transaction.atomic():
        record = IntakeRejection.objects.create(
            source=source,
            filename=filename,
            reason=rejection.reason,
            message=message,
            size_bytes=len(data),
            sha256=sha256,
            quarantine_file=quarantined,
            sender=sender,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type=object_type,
            object_id=sop_instance_uid,
            outcome=AuditOutcome.FAILED,
            detail={"source": source, "reason": rejection.reason, "intake_rejection": record.pk},
        )
    logger.info("DICOM intake from %s refused: %s (rejection %s)", source, rejection.reason, record.pk)
    return IngestOutcome(
        status=IngestStatus.REJECTED,
        filename=filename,
        reason=rejection.reason,
        message=message,
        sop_instance_uid=sop_instance_uid,
    )


def _printable(text: str, max_length: int) -> str:
    """A sender-supplied name as shown and stored: printable characters only, cut to the column."""
    return "".join(ch for ch in text if ch.isprintable())[:max_length]
