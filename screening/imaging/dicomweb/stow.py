"""STOW-RS: each part of a multipart/related body goes to intake; the answer lists stored and failed SOPs.

Intake (``ingestion_services.instance_ingest``) validates, stores, matches and audits every instance;
this module only splits the body, enforces the study named in the URL, and builds the PS3.18 response
(ReferencedSOPSequence / FailedSOPSequence with a FailureReason each).
"""

import logging
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import pydicom
from pydicom.dataset import Dataset

from screening.core.actors import Actor
from screening.imaging.dicomweb.multipart import Part, content_type_parse, multipart_parse
from screening.imaging.ingestion_services import IngestStatus, instance_ingest
from screening.imaging.intake_signals import intake_batch
from screening.imaging.models import IntakeSource

logger = logging.getLogger(__name__)

DICOM = "application/dicom"
# PS3.18 Table 10.5.3-2 (Store Instances Response failure reasons), as C-STORE statuses.
FAILURE_OUT_OF_RESOURCES = 0xA700
FAILURE_CANNOT_UNDERSTAND = 0xC000
FAILURE_SOP_CLASS_NOT_SUPPORTED = 0x0122
FAILURE_PROCESSING = 0x0110

HTTP_ALL_STORED, HTTP_SOME_FAILED, HTTP_ALL_FAILED = 200, 202, 409


class UnsupportedMediaType(ValueError):
    """The body is not made of application/dicom parts (JSON or XML metadata STOW is not supported)."""


@dataclass(frozen=True)
class StoredSop:
    sop_class_uid: str
    sop_instance_uid: str
    study_uid: str = ""
    series_uid: str = ""


@dataclass(frozen=True)
class FailedSop:
    sop_class_uid: str
    sop_instance_uid: str
    failure_reason: int


@dataclass
class StowResult:
    stored: list[StoredSop] = field(default_factory=list)
    failed: list[FailedSop] = field(default_factory=list)

    @property
    def http_status(self) -> int:
        if not self.failed:
            return HTTP_ALL_STORED
        return HTTP_SOME_FAILED if self.stored else HTTP_ALL_FAILED


def stow_store(*, actor: Actor, body: bytes, content_type: str, study_uid: str | None = None) -> StowResult:
    """Store every application/dicom part; raises MultipartError or UnsupportedMediaType for the body."""
    declared_type = content_type_parse(content_type).params.get("type", DICOM).lower()
    if declared_type != DICOM:
        raise UnsupportedMediaType(f"Only {DICOM} parts are accepted, not {declared_type}.")
    result = StowResult()
    with intake_batch():
        for index, part in enumerate(multipart_parse(body, content_type), start=1):
            _store_part(actor=actor, part=part, index=index, study_uid=study_uid, result=result)
    return result


def stow_response_json(result: StowResult, *, base_url: str, study_uid: str | None) -> dict[str, Any]:
    """The Store Instances Response module in the DICOM JSON model."""
    response = Dataset()
    study_uids = {sop.study_uid for sop in result.stored if sop.study_uid}
    retrieve_study = study_uid or (next(iter(study_uids)) if len(study_uids) == 1 else "")
    if retrieve_study:
        response.RetrieveURL = f"{base_url}studies/{retrieve_study}"
    response.ReferencedSOPSequence = [_referenced(sop, base_url) for sop in result.stored]
    response.FailedSOPSequence = [_failed(sop) for sop in result.failed]
    if not result.failed:
        del response.FailedSOPSequence
    return response.to_json_dict()


def _store_part(*, actor: Actor, part: Part, index: int, study_uid: str | None, result: StowResult) -> None:
    media_type = part.content_type.media_type if part.headers.get("content-type") else DICOM
    data = bytes(part.body)
    sop_class, sop_instance, part_study = _header_uids(data)
    if media_type != DICOM:
        result.failed.append(FailedSop(sop_class, sop_instance, FAILURE_SOP_CLASS_NOT_SUPPORTED))
        return
    if study_uid is not None and part_study and part_study != study_uid:
        # The URL names the study: an instance of another one is refused, not stored elsewhere.
        result.failed.append(FailedSop(sop_class, sop_instance, FAILURE_PROCESSING))
        return
    try:
        outcome = instance_ingest(
            actor=actor, source=IntakeSource.STOW, data=data, filename=f"part-{index}", sender=actor.username
        )
    except Exception:
        logger.exception("STOW-RS part %s: intake failed", index)
        result.failed.append(FailedSop(sop_class, sop_instance, FAILURE_OUT_OF_RESOURCES))
        return
    sop_instance = outcome.sop_instance_uid or sop_instance
    if outcome.status == IngestStatus.REJECTED:
        result.failed.append(FailedSop(sop_class, sop_instance, FAILURE_CANNOT_UNDERSTAND))
        return
    instance = outcome.instance
    series_uid = instance.series.series_instance_uid if instance is not None else ""
    stored_study = outcome.study.study_instance_uid if outcome.study is not None else part_study
    result.stored.append(StoredSop(sop_class, sop_instance, stored_study, series_uid))


def _header_uids(data: bytes) -> tuple[str, str, str]:
    """SOP class, SOP instance and study UIDs from the header, or blanks where it cannot be read."""
    try:
        dataset = pydicom.dcmread(BytesIO(data), stop_before_pixels=True, force=False)
        return (
            str(dataset.get("SOPClassUID", "")),
            str(dataset.get("SOPInstanceUID", "")),
            str(dataset.get("StudyInstanceUID", "")),
        )
    except Exception:  # an unreadable part is intake's to refuse and record
        return "", "", ""


def _referenced(sop: StoredSop, base_url: str) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID = sop.sop_class_uid
    item.ReferencedSOPInstanceUID = sop.sop_instance_uid
    if sop.study_uid and sop.series_uid:
        item.RetrieveURL = (
            f"{base_url}studies/{sop.study_uid}/series/{sop.series_uid}/instances/{sop.sop_instance_uid}"
        )
    return item


def _failed(sop: FailedSop) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID = sop.sop_class_uid
    item.ReferencedSOPInstanceUID = sop.sop_instance_uid
    item.FailureReason = sop.failure_reason
    return item
