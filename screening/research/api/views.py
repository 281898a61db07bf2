"""Research export API: request, list, retrieve and cancel (coordinators and administrators);
the package downloads from the page's URL (download_url), streamed and audited."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from screening.core.actors import Actor
from screening.core.api_errors import ServiceErrorsMixin, validated_input
from screening.research import export_selectors, export_services
from screening.research.api.serializers import ExportOutput, ExportRequestInput
from screening.research.models import ExportJob

REQUEST_EXPORT = "research.request_export"


@extend_schema(tags=["research"])
class ExportViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Research exports: de-identified packages of consented participants' images and results."""

    required_permissions = {"*": REQUEST_EXPORT}
    lookup_value_converter = "int"
    filter_backends: list[Any] = []

    def _job(self, request: Request, pk: int) -> ExportJob:
        return export_selectors.export_get(actor=Actor.from_request(request), job_id=pk)

    @extend_schema(responses=ExportOutput(many=True))
    def list(self, request: Request) -> Response:
        """The caller's exports (an administrator's: everyone's), newest first."""
        page = self.paginate_queryset(export_selectors.exports_visible(actor=Actor.from_request(request)))
        return self.get_paginated_response(ExportOutput(page, many=True).data)

    @extend_schema(request=ExportRequestInput, responses={201: ExportOutput})
    def create(self, request: Request) -> Response:
        """Request an export; it is queued and runs on the default queue."""
        data = validated_input(ExportRequestInput, request.data)
        for name in ("truth", "ai_band", "reader_result", "modality"):
            data[name] = (data.get(name) or "").upper() if name == "modality" else data.get(name) or ""
        job = export_services.export_request(
            actor=Actor.from_request(request), request=export_services.ExportRequest(**data)
        )
        return Response(ExportOutput(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ExportOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """One export: state, progress, counts and, once ready, its download URL."""
        return Response(ExportOutput(self._job(request, pk)).data)

    @extend_schema(request=None, responses=ExportOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        """Cancel a queued export, or stop a running one before its next file."""
        job = export_services.export_cancel(actor=Actor.from_request(request), job=self._job(request, pk))
        return Response(ExportOutput(job).data)
