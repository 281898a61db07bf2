"""WADO-RS: the stored Part 10 files of a study, series or instance, their metadata, rendered frames.

Instances are looked up by UID inside the user's scope only; anything outside it is a 404, audited as
denied, exactly like a UID that does not exist. Files are served as stored (no transcoding, as
``transfer-syntax=*``), one part each, streamed so a large study is not held in memory.
"""

import json
from collections.abc import Iterator
from typing import Any

import pydicom
from django.http import Http404, HttpResponse, StreamingHttpResponse
from pydicom.errors import InvalidDicomError

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome
from screening.imaging.dicomweb.multipart import multipart_content_type, multipart_stream, new_boundary
from screening.imaging.models import Instance, Study
from screening.imaging.rendering import RenderingError, frame_png

DICOM = "application/dicom"
DICOM_JSON = "application/dicom+json"
PNG = "image/png"
# Binary values above this size are bulk data: left out of the metadata.
BULK_DATA_THRESHOLD = 1024
_VIEWPORT_MAX = 4096


def instances_get(
    *, actor: Actor, study_uid: str, series_uid: str | None = None, sop_uid: str | None = None
) -> list[Instance]:
    """The instances of a study (or one series, or one instance) in scope, audited; 404 otherwise."""
    study = Study.objects.visible_to(actor.user).filter(study_instance_uid=study_uid).first()
    instances = Instance.objects.none()
    if study is not None:
        instances = Instance.objects.filter(series__study=study).select_related("series__study")
        if series_uid is not None:
            instances = instances.filter(series__series_instance_uid=series_uid)
        if sop_uid is not None:
            instances = instances.filter(sop_instance_uid=sop_uid)
    found = list(instances.order_by("series__series_number", "series_id", "instance_number", "id"))
    if study is None or not found:
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="study",
            object_id=study.pk if study else "",
            outcome=AuditOutcome.DENIED,
            detail={"dicomweb": True},
        )
        raise Http404("No such study, series or instance.")
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="study",
        object_id=study.pk,
        detail={"dicomweb": True, "instances": len(found), "level": _level(series_uid, sop_uid)},
    )
    return found


def retrieve_response(instances: list[Instance]) -> StreamingHttpResponse:
    """multipart/related; type="application/dicom": one stored Part 10 file per part."""
    boundary = new_boundary()
    response = StreamingHttpResponse(
        multipart_stream(_file_parts(instances), boundary),
        content_type=multipart_content_type(DICOM, boundary),
    )
    return response


def metadata_response(instances: list[Instance]) -> HttpResponse:
    """application/dicom+json: every instance's attributes, without pixel or other bulk data."""
    body = json.dumps([instance_metadata(instance) for instance in instances])
    return HttpResponse(body, content_type=DICOM_JSON)


def instance_metadata(instance: Instance) -> dict[str, Any]:
    with instance.file.open("rb") as stored:
        try:
            dataset = pydicom.dcmread(stored, stop_before_pixels=True)
        except InvalidDicomError as error:
            raise Http404("The stored file cannot be read.") from error
    metadata = dataset.to_json_dict(
        bulk_data_threshold=BULK_DATA_THRESHOLD,
        bulk_data_element_handler=lambda element: "",
        suppress_invalid_tags=True,
    )
    return _without_bulk_data(metadata)


def rendered_response(instance: Instance, *, frame_number: int, params: Any) -> HttpResponse:
    """image/png of one frame (numbered from 1, as in DICOMweb)."""
    if not 1 <= frame_number <= max(instance.frames, 1):
        raise Http404("No such frame.")
    try:
        png = frame_png(
            instance, frame=frame_number - 1, window=_window_preset(params), size=_viewport_size(params)
        )
    except RenderingError:
        return HttpResponse("This image cannot be rendered.", status=422, content_type="text/plain")
    return HttpResponse(png, content_type=PNG)


def accepts_png(accept: str) -> bool:
    """Whether an Accept header allows a PNG (no header allows anything)."""
    if not accept.strip():
        return True
    media_types = {item.split(";")[0].strip().lower() for item in accept.split(",")}
    return bool(media_types & {PNG, "image/*", "*/*"})


def _file_parts(instances: list[Instance]) -> Iterator[tuple[dict[str, str], bytes]]:
    for instance in instances:
        with instance.file.open("rb") as stored:
            data = stored.read()
        headers = {"Content-Type": f"{DICOM}; transfer-syntax={instance.transfer_syntax_uid}"}
        yield headers, data


def _without_bulk_data(element_json: dict[str, Any]) -> dict[str, Any]:
    """Drop elements given as bulk data references, in nested sequences too."""
    kept: dict[str, Any] = {}
    for tag, value in element_json.items():
        if "BulkDataURI" in value:
            continue
        if value.get("vr") == "SQ" and "Value" in value:
            value = {**value, "Value": [_without_bulk_data(item) for item in value["Value"]]}
        kept[tag] = value
    return kept


def _viewport_size(params: Any) -> int | None:
    """The larger side of ``viewport=rows,columns``, within the renderer's limits."""
    viewport = str(params.get("viewport", "") or "")
    sides = [int(side) for side in viewport.split(",")[:2] if side.strip().isdigit()]
    if not sides or max(sides) <= 0:
        return None
    return min(max(sides), _VIEWPORT_MAX)


def _window_preset(params: Any) -> str | None:
    """A named window preset (``window=lung``); DICOM centre/width triples are not supported."""
    window = str(params.get("window", "") or "")
    return window if window.isalnum() and len(window) <= 32 else None


def _level(series_uid: str | None, sop_uid: str | None) -> str:
    return "instance" if sop_uid else "series" if series_uid else "study"
