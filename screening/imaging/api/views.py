"""Imaging API for scripts: upload DICOM files or zip archives, and read studies in scope."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from screening.core.actors import Actor
from screening.core.api_errors import ServiceErrorsMixin, validated_input
from screening.imaging.api.serializers import (
    StudyDetailOutput,
    StudyFilterInput,
    StudyOutput,
    UploadInput,
    UploadOutcomeOutput,
)
from screening.imaging.ingestion_services import IngestStatus, IntakeFile, uploads_ingest
from screening.imaging.models import IntakeSource
from screening.imaging.study_selectors import study_get, study_list


@extend_schema(tags=["imaging"])
class UploadViewSet(ServiceErrorsMixin, viewsets.ViewSet):
    """Send images as a script would: DICOM files or zip archives, one or more ``file`` parts a request."""

    required_permissions = {"create": "imaging.upload_study"}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": UploadInput},
        responses={201: UploadOutcomeOutput(many=True), 200: UploadOutcomeOutput(many=True)},
    )
    def create(self, request: Request) -> Response:
        """Intake of every file sent: 201 when at least one instance was stored, else 200 with the reasons."""
        uploads = [validated_input(UploadInput, part)["file"] for part in _file_parts(request)]
        outcomes = uploads_ingest(
            actor=Actor.from_request(request),
            source=IntakeSource.API,
            uploads=[IntakeFile(data=upload.read(), filename=upload.name) for upload in uploads],
        )
        stored = any(outcome.status == IngestStatus.STORED for outcome in outcomes)
        return Response(
            UploadOutcomeOutput(outcomes, many=True).data,
            status=status.HTTP_201_CREATED if stored else status.HTTP_200_OK,
        )


def _file_parts(request: Request) -> list[Any]:
    """Each ``file`` part sent, as its own input (stored together as one intake batch)."""
    return [{"file": part} for part in request.FILES.getlist("file")] or [request.data]


@extend_schema(tags=["imaging"])
class StudyViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Studies in the user's scope: coordinators see all, radiologists those of their campaigns."""

    required_permissions = {"list": "imaging.view_study", "retrieve": "imaging.view_study"}
    lookup_value_converter = "int"
    filter_backends: list[Any] = []

    @extend_schema(parameters=[StudyFilterInput], responses=StudyOutput(many=True))
    def list(self, request: Request) -> Response:
        """Studies, newest first, with their series and instance counts and match status; audited."""
        filters = validated_input(StudyFilterInput, request.query_params)
        page = self.paginate_queryset(study_list(actor=Actor.from_request(request), filters=filters))
        return self.get_paginated_response(StudyOutput(page, many=True).data)

    @extend_schema(responses=StudyDetailOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """One study with its series; audited, 404 outside the user's scope."""
        study = study_get(actor=Actor.from_request(request), study_id=pk)
        series = list(study.series.all())
        study.series_count = len(series)  # type: ignore[attr-defined]
        study.instance_count = sum(len(s.instances.all()) for s in series)  # type: ignore[attr-defined]
        return Response(StudyDetailOutput(study).data)
