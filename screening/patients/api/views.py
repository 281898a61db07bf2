"""Participant API: search, register, view, edit, opt-out and consent, through the pages' services."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from screening.core.actors import Actor
from screening.core.api_errors import ServiceErrorsMixin, validated_input
from screening.patients import consent_services, patient_services
from screening.patients.api.serializers import (
    ConsentEventOutput,
    ConsentOverviewOutput,
    ConsentRecordAction,
    ConsentRecordInput,
    OptOutInput,
    PatientCreateInput,
    PatientFilterInput,
    PatientOutput,
    PatientUpdateInput,
)
from screening.patients.patient_selectors import consent_history, patient_get, patient_list


@extend_schema(tags=["patients"])
class PatientViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Participants in the user's scope; radiologists see those of their assigned campaigns."""

    required_permissions = {
        "list": "patients.view_patient",
        "retrieve": "patients.view_patient",
        "create": "patients.add_patient",
        "partial_update": "patients.change_patient",
        "opt_out": "patients.change_patient",
        "consents": "patients.view_consentevent",
        "consent_record": "patients.record_consent",
    }
    lookup_value_converter = "int"
    filter_backends: list[Any] = []  # filters are an input serializer passed to the selector

    @extend_schema(parameters=[PatientFilterInput], responses=PatientOutput(many=True))
    def list(self, request: Request) -> Response:
        """Search participants by identifier or name prefix, date of birth and issuer; audited."""
        filters = validated_input(PatientFilterInput, request.query_params)
        patients = patient_list(actor=Actor.from_request(request), **filters)
        page = self.paginate_queryset(patients)
        return self.get_paginated_response(PatientOutput(page, many=True).data)

    @extend_schema(request=PatientCreateInput, responses={201: PatientOutput})
    def create(self, request: Request) -> Response:
        """Register a participant; an invalid or duplicate identifier is a 400."""
        details = validated_input(PatientCreateInput, request.data)
        patient = patient_services.patient_create(actor=Actor.from_request(request), **details)
        return Response(PatientOutput(patient).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PatientOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """One participant's details; the view is audited."""
        patient = patient_get(actor=Actor.from_request(request), patient_id=pk)
        return Response(PatientOutput(patient).data)

    @extend_schema(request=PatientUpdateInput, responses=PatientOutput)
    def partial_update(self, request: Request, pk: int) -> Response:
        """Change a participant's details; identifier and issuer cannot change."""
        actor = Actor.from_request(request)
        patient = patient_get(actor=actor, patient_id=pk)
        changes = validated_input(PatientUpdateInput, request.data, partial=True)
        patient = patient_services.patient_update(actor=actor, patient=patient, changes=changes)
        return Response(PatientOutput(patient).data)

    @extend_schema(request=OptOutInput, responses=PatientOutput)
    @action(detail=True, methods=["post"], url_path="opt-out")
    def opt_out(self, request: Request, pk: int) -> Response:
        """Record that the participant opts out of screening; open episodes leave the pathway."""
        actor = Actor.from_request(request)
        patient = patient_get(actor=actor, patient_id=pk)
        opt_out = validated_input(OptOutInput, request.data)
        patient = patient_services.patient_opt_out(actor=actor, patient=patient, reason=opt_out["reason"])
        return Response(PatientOutput(patient).data)

    @extend_schema(responses=ConsentOverviewOutput)
    @action(detail=True, methods=["get"])
    def consents(self, request: Request, pk: int) -> Response:
        """The current consent per scope and the full history of grants and withdrawals."""
        actor = Actor.from_request(request)
        patient = patient_get(actor=actor, patient_id=pk)
        overview = {
            "current": consent_services.consent_states(patient=patient),
            "history": consent_history(actor=actor, patient=patient),
        }
        return Response(ConsentOverviewOutput(overview).data)

    @extend_schema(request=ConsentRecordInput, responses={201: ConsentEventOutput})
    @consents.mapping.post
    def consent_record(self, request: Request, pk: int) -> Response:
        """Grant or withdraw one scope of consent from now on."""
        actor = Actor.from_request(request)
        patient = patient_get(actor=actor, patient_id=pk)
        consent = validated_input(ConsentRecordInput, request.data)
        data = consent
        record = (
            consent_services.consent_grant
            if data["action"] == ConsentRecordAction.GRANT
            else consent_services.consent_withdraw
        )
        event = record(
            actor=actor, patient=patient, scope=data["scope"], method=data["method"], note=data["note"]
        )
        return Response(ConsentEventOutput(event).data, status=status.HTTP_201_CREATED)
