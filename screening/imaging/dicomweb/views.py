"""DICOMweb endpoints for machines: STOW-RS, QIDO-RS and WADO-RS under /dicomweb/.

DRF views, so access is declared (``required_permissions`` per method) and a client without
credentials gets 401 rather than a log-in page. Basic authentication comes first so the
WWW-Authenticate challenge suits DICOMweb clients; tokens and the browser session work too. The
Accept header is not negotiated by DRF (the parts answer in DICOM media types); no DRF parser reads
the body: STOW reads it itself, up to DICOMWEB_MAX_REQUEST_BYTES.
"""

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from screening.core.actors import Actor
from screening.core.api_token_auth import ExpiringTokenAuthentication
from screening.imaging.dicomweb import qido, stow, wado, wado_frames
from screening.imaging.dicomweb.multipart import MultipartError

DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024 * 1024
_READ_CHUNK = 1024 * 1024
VIEW_STUDY = "imaging.view_study"
UPLOAD_STUDY = "imaging.upload_study"


class RequestBodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class FirstRendererNegotiation(BaseContentNegotiation):
    """Errors are JSON whatever the client accepts; successful answers set their own media type."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


@extend_schema(exclude=True)
class DicomwebView(APIView):
    authentication_classes = [BasicAuthentication, ExpiringTokenAuthentication, SessionAuthentication]
    parser_classes: list[Any] = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRendererNegotiation
    required_permissions = {"get": VIEW_STUDY}

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, qido.QueryError | MultipartError):
            return _error(400, str(exc))
        if isinstance(exc, stow.UnsupportedMediaType):
            return _error(415, str(exc))
        if isinstance(exc, wado_frames.NotAcceptable):
            return _error(406, str(exc))
        if isinstance(exc, RequestBodyError):
            return _error(exc.status, str(exc))
        return super().handle_exception(exc)


class StudiesView(DicomwebView):
    """GET: QIDO-RS search for studies; POST: STOW-RS (optionally into the study in the URL)."""

    required_permissions = {"get": VIEW_STUDY, "post": UPLOAD_STUDY}

    def get(self, request: Request) -> HttpResponseBase:
        query = qido.query_parse(request.query_params)
        found = qido.studies_search(actor=Actor.from_request(request), query=query)
        return _dicom_json(found, warning=query.warning)

    def post(self, request: Request) -> HttpResponseBase:
        return _stow(request, study_uid=None)


class StudyView(DicomwebView):
    """GET: WADO-RS retrieve of a whole study; POST: STOW-RS into this study."""

    required_permissions = {"get": VIEW_STUDY, "post": UPLOAD_STUDY}

    def get(self, request: Request, study: str) -> HttpResponseBase:
        return wado.retrieve_response(wado.instances_get(actor=Actor.from_request(request), study_uid=study))

    def post(self, request: Request, study: str) -> HttpResponseBase:
        return _stow(request, study_uid=study)


class SeriesSearchView(DicomwebView):
    def get(self, request: Request, study: str | None = None) -> HttpResponseBase:
        query = qido.query_parse(request.query_params)
        found = qido.series_search(actor=Actor.from_request(request), query=query, study_uid=study)
        return _dicom_json(found, warning=query.warning)


class InstancesSearchView(DicomwebView):
    def get(self, request: Request, study: str | None = None, series: str | None = None) -> HttpResponseBase:
        query = qido.query_parse(request.query_params)
        found = qido.instances_search(
            actor=Actor.from_request(request), query=query, study_uid=study, series_uid=series
        )
        return _dicom_json(found, warning=query.warning)


class RetrieveView(DicomwebView):
    """WADO-RS: the Part 10 files of a series or an instance."""

    def get(self, request: Request, study: str, series: str, sop: str | None = None) -> HttpResponseBase:
        actor = Actor.from_request(request)
        return wado.retrieve_response(
            wado.instances_get(actor=actor, study_uid=study, series_uid=series, sop_uid=sop)
        )


class MetadataView(DicomwebView):
    """WADO-RS metadata of a study, series or instance, without bulk data."""

    def get(
        self, request: Request, study: str, series: str | None = None, sop: str | None = None
    ) -> HttpResponseBase:
        actor = Actor.from_request(request)
        instances = wado.instances_get(actor=actor, study_uid=study, series_uid=series, sop_uid=sop)
        return wado.metadata_response(instances)


class FramesView(DicomwebView):
    """WADO-RS retrieve frames: the pixel data of the frames named, one part each."""

    def get(self, request: Request, study: str, series: str, sop: str, frames: str) -> HttpResponseBase:
        numbers = wado_frames.frame_numbers_parse(frames)
        actor = Actor.from_request(request)
        instance = wado.instances_get(actor=actor, study_uid=study, series_uid=series, sop_uid=sop)[0]
        accept = request.META.get("HTTP_ACCEPT", "")
        return wado_frames.frames_response(instance, frame_numbers=numbers, accept=accept)


class RenderedView(DicomwebView):
    """WADO-RS rendered: one frame (the first for an instance) as image/png."""

    def get(self, request: Request, study: str, series: str, sop: str, frame: str = "1") -> HttpResponseBase:
        if not wado.accepts_png(request.META.get("HTTP_ACCEPT", "")):
            return _error(406, "Rendered images are served as image/png only.")
        actor = Actor.from_request(request)
        instance = wado.instances_get(actor=actor, study_uid=study, series_uid=series, sop_uid=sop)[0]
        return wado.rendered_response(instance, frame_number=int(frame), params=request.query_params)


def _stow(request: Request, *, study_uid: str | None) -> HttpResponseBase:
    body = _request_body(request._request)
    result = stow.stow_store(
        actor=Actor.from_request(request),
        body=body,
        content_type=request.META.get("CONTENT_TYPE", ""),
        study_uid=study_uid,
    )
    base_url = request.build_absolute_uri(reverse("dicomweb:studies"))
    base_url = base_url[: base_url.rindex("studies")]
    payload = stow.stow_response_json(result, base_url=base_url, study_uid=study_uid)
    return _dicom_json(payload, result.http_status)


def _dicom_json(payload: Any, status: int = 200, warning: str = "") -> HttpResponseBase:
    response = HttpResponse(json.dumps(payload), content_type=wado.DICOM_JSON, status=status)
    if warning:
        response["Warning"] = warning
    return response


def _error(status: int, message: str) -> HttpResponseBase:
    return HttpResponse(json.dumps({"detail": message}), content_type="application/json", status=status)


def _request_body(request: HttpRequest) -> bytes:
    """The raw body, read once, refused beyond DICOMWEB_MAX_REQUEST_BYTES (413) or without length (411).

    Django's request.body would apply DATA_UPLOAD_MAX_MEMORY_SIZE, meant for forms; a STOW body of a
    CT series is far larger. A chunked body is read only where the server has de-chunked it
    (``wsgi.input_terminated``, as gunicorn does).
    """
    limit = int(getattr(settings, "DICOMWEB_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))
    declared = request.META.get("CONTENT_LENGTH") or ""
    stream: Any
    if declared:
        if not declared.isdigit():
            raise RequestBodyError(400, "Content-Length is not a number.")
        if int(declared) > limit:
            raise RequestBodyError(413, f"The body is larger than {limit} bytes.")
        stream = request
    elif (
        request.META.get("wsgi.input_terminated")
        and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    ):
        stream = request.META["wsgi.input"]
    else:
        raise RequestBodyError(411, "A Content-Length is required.")
    chunks, total = [], 0
    while chunk := stream.read(min(_READ_CHUNK, limit + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise RequestBodyError(413, f"The body is larger than {limit} bytes.")
    return b"".join(chunks)
