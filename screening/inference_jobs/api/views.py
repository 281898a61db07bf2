"""Inference API: jobs for the coordinator (list, retrieve, retry, cancel) and a study's AI result."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from screening.core.actors import Actor
from screening.core.api_errors import ServiceErrorsMixin, validated_input
from screening.inference_jobs import job_services
from screening.inference_jobs.api.serializers import JobDetailOutput, JobFilterInput, JobOutput, ResultOutput
from screening.inference_jobs.job_selectors import jobs_visible
from screening.inference_jobs.models import InferenceJob
from screening.inference_jobs.result_selectors import study_result_get

VIEW_JOBS = "inference_jobs.view_inferencejob"
CHANGE_JOBS = "inference_jobs.change_inferencejob"


@extend_schema(tags=["inference"])
class InferenceJobViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Inference jobs: states, attempts, workers and errors (ids only, no patient data)."""

    required_permissions = {
        "list": VIEW_JOBS,
        "retrieve": VIEW_JOBS,
        "retry": CHANGE_JOBS,
        "cancel": CHANGE_JOBS,
    }
    lookup_value_converter = "int"
    filter_backends: list[Any] = []

    def _job(self, request: Request, pk: int) -> InferenceJob:
        job = jobs_visible(actor=Actor.from_request(request)).filter(pk=pk).first()
        if job is None:
            raise NotFound("No such job.")
        return job

    @extend_schema(parameters=[JobFilterInput], responses=JobOutput(many=True))
    def list(self, request: Request) -> Response:
        """Jobs, newest first, filtered by status, study or model name."""
        filters = validated_input(JobFilterInput, request.query_params)
        if "study" in filters:
            filters["study_id"] = filters.pop("study")
        jobs = jobs_visible(actor=Actor.from_request(request)).filter(**filters).order_by("-queued_at", "-id")
        page = self.paginate_queryset(jobs)
        return self.get_paginated_response(JobOutput(page, many=True).data)

    @extend_schema(responses=JobDetailOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """One job with its history of state changes."""
        return Response(JobDetailOutput(self._job(request, pk)).data)

    @extend_schema(request=None, responses=JobOutput)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: int) -> Response:
        """Queue a failed, dead or cancelled job again."""
        job = job_services.job_retry(actor=Actor.from_request(request), job=self._job(request, pk))
        return Response(JobOutput(job).data)

    @extend_schema(request=None, responses=JobOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        """Cancel a queued or running job."""
        job = job_services.job_cancel(actor=Actor.from_request(request), job=self._job(request, pk))
        return Response(JobOutput(job).data)


@extend_schema(tags=["inference"])
class StudyResultView(APIView):
    """The latest AI result of a study in the user's scope (404 when there is none yet); audited."""

    required_permissions = {"get": "imaging.view_study"}

    @extend_schema(responses=ResultOutput)
    def get(self, request: Request, study_id: int) -> Response:
        result = study_result_get(actor=Actor.from_request(request), study_id=study_id)
        if result is None:
            raise NotFound("No AI result for this study yet.")
        return Response(ResultOutput(result).data)
