"""The one DICOM intake every path uses: browser upload, C-STORE, STOW-RS and the REST API.

Validate first (dicom_validation), then extract (dicom_metadata), then store. A batch of files
(an upload request, an archive, a STOW-RS request) is stored in one transaction by
``batch_ingestion.instances_ingest``: instance rows are inserted with their unique SOP Instance
UID held (which serialises concurrent senders), the files are written to their UID paths, one
audit append covers the batch, and everything commits together. A crash before the commit can
leave a file without a row (overwritten by the next attempt), never a row without its file. Bad
input never raises: it is refused, quarantined, recorded and audited.
"""

import logging
from collections.abc import Iterator, Sequence

from screening.core.actors import Actor
from screening.imaging.archive_intake import ArchiveEntry, ArchiveLimits, archive_entries, is_zip_archive
from screening.imaging.batch_ingestion import INSTANCE, Refusal, instances_ingest, refusals_record
from screening.imaging.dicom_validation import DicomRejection
from screening.imaging.intake_outcomes import (
    FILENAME_MAX_LENGTH,
    SENDER_MAX_LENGTH,
    IngestOutcome,
    IngestStatus,
    IntakeFile,
    printable,
)
from screening.imaging.intake_signals import intake_batch

__all__ = [
    "INSTANCE",
    "IngestOutcome",
    "IngestStatus",
    "IntakeFile",
    "instance_ingest",
    "instances_ingest",
    "upload_ingest",
    "uploads_ingest",
]

logger = logging.getLogger(__name__)

ARCHIVE = "dicom_archive"
# An archive's entries are stored this many at a time (or fewer once they reach BATCH_MAX_BYTES):
# one transaction and one audit append per batch, and a bounded amount of the archive in memory.
BATCH_MAX_FILES = 50
BATCH_MAX_BYTES = 256 * 1024 * 1024


def instance_ingest(
    *, actor: Actor, source: str, data: bytes, filename: str = "", sender: str = ""
) -> IngestOutcome:
    """Validate, store, match and audit one DICOM Part 10 file; bad input is refused, never raised."""
    files = [IntakeFile(data=data, filename=filename)]
    return instances_ingest(actor=actor, source=source, files=files, sender=sender)[0]


def upload_ingest(*, actor: Actor, source: str, name: str, data: bytes) -> list[IngestOutcome]:
    """Ingest one uploaded file: a DICOM file, or a ZIP of them read safely entry by entry."""
    return uploads_ingest(actor=actor, source=source, uploads=[IntakeFile(data=data, filename=name)])


def uploads_ingest(*, actor: Actor, source: str, uploads: Sequence[IntakeFile]) -> list[IngestOutcome]:
    """Ingest the files of one upload request: DICOM files stored as one batch, archives in batches.

    Outcomes come in the order the files were sent, an archive's entries in their archive order.
    """
    with intake_batch():
        plain = [upload for upload in uploads if not is_zip_archive(upload.data)]
        plain_outcomes = iter(instances_ingest(actor=actor, source=source, files=plain) if plain else [])
        outcomes: list[IngestOutcome] = []
        for upload in uploads:
            if is_zip_archive(upload.data):
                outcomes.extend(
                    _archive_ingest(actor=actor, source=source, name=upload.filename, data=upload.data)
                )
            else:
                outcomes.append(next(plain_outcomes))
        return outcomes


def _archive_ingest(*, actor: Actor, source: str, name: str, data: bytes) -> list[IngestOutcome]:
    try:
        entries = archive_entries(data, ArchiveLimits.from_settings())
    except DicomRejection as rejection:
        return [_archive_refused(actor, source, name, data, rejection)]
    outcomes = []
    try:
        for batch in _batches(entries, name):
            outcomes.extend(instances_ingest(actor=actor, source=source, files=batch))
    except DicomRejection as rejection:  # verified whole beforehand, so only if it changed under us
        outcomes.append(_archive_refused(actor, source, name, data, rejection))
    return outcomes


def _batches(entries: Iterator[ArchiveEntry], name: str) -> Iterator[list[IntakeFile]]:
    batch: list[IntakeFile] = []
    size = 0
    for entry in entries:
        batch.append(IntakeFile(data=entry.data, filename=f"{name}: {entry.name}"))
        size += len(entry.data)
        if len(batch) >= BATCH_MAX_FILES or size >= BATCH_MAX_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _archive_refused(
    actor: Actor, source: str, name: str, data: bytes, rejection: DicomRejection
) -> IngestOutcome:
    refusal = Refusal(
        index=0,
        filename=printable(name, FILENAME_MAX_LENGTH),
        data=data,
        rejection=rejection,
        object_type=ARCHIVE,
    )
    sender = printable(actor.username, SENDER_MAX_LENGTH)
    return refusals_record(actor=actor, source=source, sender=sender, refusals=[refusal])[0]
