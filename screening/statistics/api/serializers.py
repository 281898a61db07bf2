"""Output of the statistics API: the same disclosed figures the dashboard shows."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

SUPPRESSIBLE_COUNT = {
    "oneOf": [{"type": "integer", "minimum": 5}, {"type": "string", "enum": ["<5"]}],
    "description": 'A count; "<5" when under 5 (disclosure control)',
}


@extend_schema_field(SUPPRESSIBLE_COUNT)
class SuppressibleCount(serializers.Field):
    """An int, or "<5"."""

    def to_representation(self, value: Any) -> Any:
        return value


class ShareOutput(serializers.Serializer):
    numerator = SuppressibleCount()
    denominator = SuppressibleCount()
    per = serializers.IntegerField(help_text="100: the value and interval are percentages")
    value = serializers.FloatField(allow_null=True, help_text="None when suppressed or nothing to divide")
    low = serializers.FloatField(allow_null=True, help_text="Wilson 95% interval, lower bound")
    high = serializers.FloatField(allow_null=True, help_text="Wilson 95% interval, upper bound")
    suppressed = serializers.BooleanField()


class StandardJudgementOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    acceptable = serializers.CharField()
    achievable = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    edition = serializers.CharField()
    rag = serializers.ChoiceField(choices=["red", "amber", "green"], allow_null=True)


class KpiFigureOutput(serializers.Serializer):
    measure = serializers.CharField()
    name = serializers.CharField()
    count = SuppressibleCount(allow_null=True, help_text="For counts (invitations, backlog); else null")
    share = ShareOutput(allow_null=True, help_text="For rates; else null")
    standards = StandardJudgementOutput(many=True)


class KpiRowOutput(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    figures = KpiFigureOutput(many=True)


class KpiOverviewOutput(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField())
    rows = KpiRowOutput(many=True, help_text="The whole selection first, then per screening round")


class KpiGroupOutput(serializers.Serializer):
    group = serializers.CharField(help_text="The group's value: a code, id, site, YYYY-MM, round or age band")
    label = serializers.CharField()  # type: ignore[assignment]
    figure = KpiFigureOutput()


class KpiBreakdownOutput(serializers.Serializer):
    measure = serializers.CharField()
    by = serializers.CharField()
    filters = serializers.DictField(child=serializers.CharField())
    groups = KpiGroupOutput(many=True)


class DayCountOutput(serializers.Serializer):
    day = serializers.DateField()
    count = SuppressibleCount()


class AgeBandOutput(serializers.Serializer):
    band = serializers.CharField()
    count = SuppressibleCount()


class BacklogOutput(serializers.Serializer):
    today = serializers.DateField()
    waiting = SuppressibleCount()
    by_age = AgeBandOutput(many=True)
    oldest_days = serializers.IntegerField(allow_null=True)
    daily_throughput = DayCountOutput(many=True)
    mean_daily_results = serializers.FloatField(allow_null=True)
    already_breached = SuppressibleCount()
    forecast_breaches = SuppressibleCount()
    forecast_breaches_low = SuppressibleCount()
    forecast_breaches_high = SuppressibleCount()
    days_to_clear = serializers.FloatField(allow_null=True)
    breaches_by_day = DayCountOutput(many=True)
