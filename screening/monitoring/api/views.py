"""Monitoring API: the alerts (list, one, acknowledge, close) and one model version's weekly drift."""

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
from screening.monitoring import alert_services
from screening.monitoring.api.serializers import (
    AlertListInput,
    AlertNoteInput,
    AlertOutput,
    DriftInput,
    DriftOutput,
)
from screening.monitoring.models import MonitoringAlert
from screening.monitoring.monitoring_selectors import alert_get, alerts_visible, monitoring_view

VIEW_MONITORING = "monitoring.view_monitoring"


@extend_schema(tags=["monitoring"])
class AlertViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Monitoring alerts: raised by the evaluation, acknowledged and closed by a named person."""

    required_permissions = {
        "list": VIEW_MONITORING,
        "retrieve": VIEW_MONITORING,
        "acknowledge": "monitoring.acknowledge_alert",
        "close": "monitoring.close_alert",
    }
    lookup_value_converter = "int"
    filter_backends: list[Any] = []

    def _alert(self, request: Request, pk: int) -> MonitoringAlert:
        try:
            return alert_get(user=request.user, pk=pk)
        except MonitoringAlert.DoesNotExist as missing:
            raise NotFound("No such alert.") from missing

    @extend_schema(parameters=[AlertListInput], responses=AlertOutput(many=True))
    def list(self, request: Request) -> Response:
        """Alerts, newest first; `status` keeps one status."""
        data = validated_input(AlertListInput, request.query_params)
        page = self.paginate_queryset(alerts_visible(user=request.user, status=data.get("status", "")))
        return self.get_paginated_response(AlertOutput(page, many=True).data)

    @extend_schema(responses=AlertOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(AlertOutput(self._alert(request, pk)).data)

    @extend_schema(request=AlertNoteInput, responses=AlertOutput)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: int) -> Response:
        """Acknowledge a raised alert with a note (who and when are recorded)."""
        note = validated_input(AlertNoteInput, request.data)["note"]
        alert = alert_services.alert_acknowledge(
            alert=self._alert(request, pk), actor=Actor.from_request(request), note=note
        )
        return Response(AlertOutput(alert).data)

    @extend_schema(request=AlertNoteInput, responses=AlertOutput)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: int) -> Response:
        """Close an alert with the reason (administrators)."""
        note = validated_input(AlertNoteInput, request.data)["note"]
        alert = alert_services.alert_close(
            alert=self._alert(request, pk), actor=Actor.from_request(request), note=note
        )
        return Response(AlertOutput(alert).data)


@extend_schema(tags=["monitoring"])
class DriftView(APIView):
    required_permissions = {"get": VIEW_MONITORING}

    @extend_schema(operation_id="monitoring_drift", parameters=[DriftInput], responses=DriftOutput)
    def get(self, request: Request) -> Response:
        """One model version at one site: weekly score drift and the CUSUM charts with their design."""
        data = validated_input(DriftInput, request.query_params)
        view = monitoring_view(
            user=request.user, model_key=data.get("model", ""), site=data.get("site", ""), headers=False
        )
        return Response(DriftOutput(view).data)
