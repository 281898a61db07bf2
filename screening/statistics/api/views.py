"""Statistics API: every programme KPI, disclosed as on the dashboard (aggregates only, read-only)."""

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from screening.core.access import AUTHENTICATED, DeclaredApiPermission
from screening.statistics.api.serializers import BacklogOutput, KpiBreakdownOutput, KpiOverviewOutput
from screening.statistics.backlog_selectors import BacklogSummary, backlog_summary
from screening.statistics.dashboard_selectors import breakdown_labels
from screening.statistics.kpi_filter_input import KpiFilterInput, kpi_filters_read
from screening.statistics.kpi_scope import KpiFilters, filter_choices, may_see_statistics
from screening.statistics.kpi_selectors import KPI_BY_MEASURE, kpi_breakdown, kpi_overview


class MaySeeStatistics(BasePermission):
    """Auditors and admins (every campaign) and coordinators (their own campaigns)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return may_see_statistics(request.user)


class StatisticsView(APIView):
    required_permissions = {"get": AUTHENTICATED}
    permission_classes = [DeclaredApiPermission, MaySeeStatistics]

    def filters(self, request: Request) -> tuple[KpiFilters, str]:
        filters, by, errors = kpi_filters_read(request.query_params, user=request.user)
        if errors:
            raise ValidationError(errors)
        return filters, by


@extend_schema(tags=["statistics"])
class KpiOverviewView(StatisticsView):
    @extend_schema(operation_id="statistics_kpis", parameters=[KpiFilterInput], responses=KpiOverviewOutput)
    def get(self, request: Request) -> Response:
        """Every KPI of the selection, then per screening round, with intervals, RAG and suppression."""
        filters, _ = self.filters(request)
        rows = kpi_overview(user=request.user, filters=filters)
        return Response(KpiOverviewOutput({"filters": filters.as_query(), "rows": rows}).data)


@extend_schema(tags=["statistics"])
class KpiBreakdownView(StatisticsView):
    @extend_schema(
        operation_id="statistics_kpi_by_group",
        parameters=[
            KpiFilterInput,
            OpenApiParameter("measure", str, OpenApiParameter.PATH, enum=sorted(KPI_BY_MEASURE)),
        ],
        responses=KpiBreakdownOutput,
    )
    def get(self, request: Request, measure: str) -> Response:
        """One KPI per group of a breakdown (`by`: programme, campaign, site, month, round, age_band)."""
        if measure not in KPI_BY_MEASURE:
            raise NotFound(f"No KPI {measure!r}; the KPIs are {', '.join(sorted(KPI_BY_MEASURE))}.")
        filters, by = self.filters(request)
        labels = breakdown_labels(by, filter_choices(user=request.user))
        rows = kpi_breakdown(user=request.user, filters=filters, by=by, labels=labels)
        groups = [
            {"group": _group_value(row.key[0]), "label": row.label, "figure": row.figure(measure)}
            for row in rows
        ]
        body = {"measure": measure, "by": by, "filters": filters.as_query(), "groups": groups}
        return Response(KpiBreakdownOutput(body).data)


def _group_value(value: Any) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m")
    return "" if value is None else str(value)


@extend_schema(tags=["statistics"])
class BacklogView(StatisticsView):
    @extend_schema(operation_id="statistics_backlog", parameters=[KpiFilterInput], responses=BacklogOutput)
    def get(self, request: Request) -> Response:
        """Today's backlog by age, the last 14 days' results per day, and the forecast of 14-day breaches."""
        filters, _ = self.filters(request)
        return Response(
            BacklogOutput(_backlog_body(backlog_summary(user=request.user, filters=filters))).data
        )


def _backlog_body(backlog: BacklogSummary) -> dict[str, Any]:
    body = asdict(backlog)
    body["by_age"] = [{"band": band, "count": count} for band, count in backlog.by_age]
    for name in ("daily_throughput", "breaches_by_day"):
        body[name] = [{"day": day, "count": count} for day, count in getattr(backlog, name)]
    return body
