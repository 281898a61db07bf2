"""STOW-RS: each part of a multipart/related body goes to intake; the answer lists stored and failed SOPs.

Intake (``ingestion_services.instances_ingest``) validates, stores, matches and audits the request's
instances as one batch; this module only splits the body, enforces the study named in the URL, and
builds the PS3.18 response (ReferencedSOPSequence / FailedSOPSequence with a FailureReason each).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from io import BytesIO
from typing import Any

import pydicom
from pydicom.dataset import Dataset

from screening.core.actors import Actor
from screening.imaging.dicom_failure_statuses import (
    FAILURE_NOT_AUTHORIZED,
    FAILURE_OUT_OF_RESOURCES,
    FAILURE_PROCESSING,
    FAILURE_SOP_CLASS_NOT_SUPPORTED,
    failure_status,
)
from screening.imaging.dicomweb.multipart import Part, content_type_parse, multipart_parse
from screening.imaging.ingestion_services import IngestOutcome, IngestStatus, IntakeFile, instances_ingest
from screening.imaging.models import IntakeSource, Study

logger = logging.getLogger(__name__)

DICOM = "application/dicom"

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
    parts = [
        _StowPart.read(part, index, study_uid)
        for index, part in enumerate(multipart_parse(body, content_type), 1)
    ]
    parts = _refuse_studies_out_of_scope(actor, parts)
    accepted = [part for part in parts if part.failure is None]
    outcomes: Sequence[IngestOutcome | None]
    try:
        outcomes = instances_ingest(
            actor=actor,
            source=IntakeSource.STOW,
            files=[IntakeFile(data=part.data, filename=f"part-{part.index}") for part in accepted],
            sender=actor.username,
        )
    except Exception:
        logger.exception("STOW-RS: intake of %s parts failed", len(accepted))
        outcomes = [None] * len(accepted)
    by_index = {part.index: outcome for part, outcome in zip(accepted, outcomes, strict=True)}
    result = StowResult()
    for part in parts:
        _result_add(result, part, by_index.get(part.index))
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


@dataclass(frozen=True)
class _StowPart:
    """One part of the body, with its header UIDs and, when refused before intake, the reason."""

    index: int
    data: bytes
    sop_class: str
    sop_instance: str
    study: str
    failure: int | None

    @classmethod
    def read(cls, part: Part, index: int, study_uid: str | None) -> "_StowPart":
        media_type = part.content_type.media_type if part.headers.get("content-type") else DICOM
        data = bytes(part.body)
        sop_class, sop_instance, part_study = _header_uids(data)
        failure = None
        if media_type != DICOM:
            failure = FAILURE_SOP_CLASS_NOT_SUPPORTED
        elif study_uid is not None and part_study and part_study != study_uid:
            # The URL names the study: an instance of another one is refused, not stored elsewhere.
            failure = FAILURE_PROCESSING
        return cls(index, data, sop_class, sop_instance, part_study, failure)


def _refuse_studies_out_of_scope(actor: Actor, parts: list["_StowPart"]) -> list["_StowPart"]:
    """A part adding to a stored study the sender cannot see is refused as not authorized."""
    named = {part.study for part in parts if part.study and part.failure is None}
    if not named:
        return parts
    stored = Study.objects.filter(study_instance_uid__in=named)
    visible = Study.objects.visible_to(actor.user).filter(study_instance_uid__in=named)
    hidden = _uids(stored) - _uids(visible)
    refused = FAILURE_NOT_AUTHORIZED
    return [
        replace(part, failure=refused) if part.failure is None and part.study in hidden else part
        for part in parts
    ]


def _uids(studies: Any) -> set[str]:
    return set(studies.values_list("study_instance_uid", flat=True))


def _result_add(result: StowResult, part: _StowPart, outcome: IngestOutcome | None) -> None:
    if part.failure is not None:
        result.failed.append(FailedSop(part.sop_class, part.sop_instance, part.failure))
        return
    if outcome is None:  # storage or the database failed: the sender may retry
        result.failed.append(FailedSop(part.sop_class, part.sop_instance, FAILURE_OUT_OF_RESOURCES))
        return
    sop_instance = outcome.sop_instance_uid or part.sop_instance
    if outcome.status == IngestStatus.REJECTED:
        failure = failure_status(outcome.reason)
        result.failed.append(FailedSop(part.sop_class, sop_instance, failure))
        return
    instance = outcome.instance
    series_uid = instance.series.series_instance_uid if instance is not None else ""
    stored_study = outcome.study.study_instance_uid if outcome.study is not None else part.study
    result.stored.append(StoredSop(part.sop_class, sop_instance, stored_study, series_uid))


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
