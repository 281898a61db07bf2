"""Outcome API: an episode's outcome and truth, its assessment and pathology, and diagnoses,
through the same selectors and services as the pages."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from screening.core.actors import Actor
from screening.core.api_errors import ServiceErrorsMixin, validated_input
from screening.outcomes import outcome_services
from screening.outcomes.api.serializers import (
    AssessmentInput,
    AssessmentOutput,
    DiagnosisInput,
    DiagnosisOutput,
    EpisodeOutcomeOutput,
    PathologyInput,
    PathologyOutput,
)
from screening.outcomes.models import RecordedVia
from screening.outcomes.outcome_selectors import episode_outcome, outcome_episode_get
from screening.patients.patient_selectors import patient_get

VIEW, RECORD = "outcomes.view_outcome", "outcomes.record_outcome"


@extend_schema(tags=["outcomes"])
class EpisodeOutcomeViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Outcomes of the episodes in the user's scope (the id is the episode's)."""

    required_permissions = {"retrieve": VIEW, "assessment": RECORD, "pathology": RECORD}
    lookup_value_converter = "int"
    filter_backends: list[Any] = []

    @extend_schema(responses=EpisodeOutcomeOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """The episode's current assessment, pathology and diagnoses, its truth and history; audited."""
        episode = outcome_episode_get(actor=Actor.from_request(request), episode_id=pk)
        return Response(EpisodeOutcomeOutput(episode_outcome(episode=episode)).data)

    @extend_schema(request=AssessmentInput, responses={201: AssessmentOutput})
    @action(detail=True, methods=["post"])
    def assessment(self, request: Request, pk: int) -> Response:
        """Record the assessment of a recalled episode; recording it again corrects it (reason needed)."""
        actor = Actor.from_request(request)
        episode = outcome_episode_get(actor=actor, episode_id=pk)
        fields = validated_input(AssessmentInput, request.data)
        record = outcome_services.assessment_record(
            actor=actor, episode=episode, via=RecordedVia.API, **fields
        )
        return Response(AssessmentOutput(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PathologyInput, responses={201: PathologyOutput})
    @action(detail=True, methods=["post"])
    def pathology(self, request: Request, pk: int) -> Response:
        """Record the pathology of one lesion (per side for breast); again for the same lesion corrects it."""
        actor = Actor.from_request(request)
        episode = outcome_episode_get(actor=actor, episode_id=pk)
        fields = validated_input(PathologyInput, request.data)
        record = outcome_services.pathology_record(
            actor=actor, episode=episode, via=RecordedVia.API, **fields
        )
        return Response(PathologyOutput(record).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["outcomes"])
class DiagnosisViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Diagnoses reported for participants (e.g. a cancer after a routine result: an interval cancer)."""

    required_permissions = {"create": RECORD}
    filter_backends: list[Any] = []

    @extend_schema(
        request=DiagnosisInput,
        responses={201: DiagnosisOutput, 404: OpenApiResponse(description="No such participant in scope")},
    )
    def create(self, request: Request) -> Response:
        """Record a diagnosis; it is linked to the screening episode it followed."""
        actor = Actor.from_request(request)
        fields = validated_input(DiagnosisInput, request.data)
        patient = patient_get(actor=actor, patient_id=fields.pop("patient"))
        record = outcome_services.diagnosis_record(
            actor=actor, patient=patient, via=RecordedVia.API, **fields
        )
        return Response(DiagnosisOutput(record).data, status=status.HTTP_201_CREATED)
