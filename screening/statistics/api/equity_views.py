"""Statistics API: subgroup equity, disclosed and flagged as on the page."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from screening.statistics.accuracy_filter_input import KpiFilterInput, ModelVersionInput
from screening.statistics.api.accuracy_views import AccuracyStatisticsView
from screening.statistics.api.serializers import ShareOutput, SuppressibleCount
from screening.statistics.equity_selectors import equity_board
from screening.statistics.equity_views import equity_group_read


class EquityGroupOutput(serializers.Serializer):
    group = serializers.CharField()
    episodes = SuppressibleCount()
    unknown = SuppressibleCount()
    sensitivity = ShareOutput()
    specificity = ShareOutput()
    recall_rate = ShareOutput()
    auc = ShareOutput(help_text="AUC in percent; numerator and denominator: cancers and others scored")
    flags = serializers.DictField(
        child=serializers.ChoiceField(choices=["above", "below"]),
        help_text="The measures whose interval excludes the value of all episodes",
    )


class EquityOutput(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField())
    group_by = serializers.CharField()
    overall = EquityGroupOutput()
    groups = EquityGroupOutput(many=True)


GROUP_PARAMETER = OpenApiParameter(
    "group",
    str,
    description='age_band (default), round, vendor, site, model, or "attribute:<name>" for a participant '
    "attribute a programme records (e.g. attribute:breast_density)",
)


@extend_schema(tags=["statistics"])
class EquityView(AccuracyStatisticsView):
    @extend_schema(
        operation_id="statistics_equity",
        parameters=[KpiFilterInput, ModelVersionInput, GROUP_PARAMETER],
        responses=EquityOutput,
    )
    def get(self, request: Request) -> Response:
        """Sensitivity, specificity, recall rate and AI AUC with 95% intervals per subgroup, each group
        flagged where its interval excludes the value of all episodes; small counts suppressed."""
        filters, model, query = self.accuracy_filters(request)
        group, errors = equity_group_read(request.query_params)
        if errors:
            raise ValidationError(errors)
        board = equity_board(user=request.user, filters=filters, model=model, group=group)
        body = {"filters": query, "group_by": group, "overall": board.overall, "groups": board.groups}
        return Response(EquityOutput(body).data)
