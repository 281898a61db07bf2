"""The filters of the dashboard, its CSVs and the statistics API, read from query parameters."""

from datetime import date
from typing import Any

from rest_framework import serializers

from screening.statistics.kpi_scope import BREAKDOWNS, ROUNDS, KpiFilters, age_band_labels, campaigns_in_scope
from screening.statistics.models import VENDOR_LENGTH

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class KpiFilterInput(serializers.Serializer):
    """Programme (code), campaign (id), site, months (YYYY-MM, inclusive), round, age band, vendor
    ("Manufacturer ModelName" of the images, or "unknown"), breakdown."""

    programme = serializers.SlugField(required=False, allow_blank=True)
    campaign = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    site = serializers.CharField(required=False, allow_blank=True, max_length=120)
    month_from = serializers.RegexField(MONTH_PATTERN, required=False, allow_blank=True)
    month_to = serializers.RegexField(MONTH_PATTERN, required=False, allow_blank=True)
    round = serializers.ChoiceField(choices=ROUNDS, required=False, allow_blank=True)
    age_band = serializers.ChoiceField(choices=age_band_labels(), required=False, allow_blank=True)
    vendor = serializers.CharField(required=False, allow_blank=True, max_length=VENDOR_LENGTH)
    by = serializers.ChoiceField(choices=BREAKDOWNS, required=False, default="campaign")

    def validate_campaign(self, value: int | None) -> int | None:
        user = self.context.get("user")
        if value is not None and not campaigns_in_scope(user=user).filter(pk=value).exists():
            raise serializers.ValidationError("No such campaign among yours.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("month_from"), attrs.get("month_to")
        if start and end and start > end:
            raise serializers.ValidationError({"month_to": "The last month comes after the first."})
        return attrs


def _month(text: str | None) -> date | None:
    return date(int(text[:4]), int(text[5:7]), 1) if text else None


def kpi_filters_read(params: Any, *, user: Any) -> tuple[KpiFilters, str, dict[str, Any]]:
    """(filters, breakdown, errors) from query parameters; invalid parameters give their errors."""
    single = {key: params.get(key) for key in params}
    form = KpiFilterInput(
        data={key: value for key, value in single.items() if value != ""}, context={"user": user}
    )
    if not form.is_valid():
        return KpiFilters(), "campaign", dict(form.errors)
    data = form.validated_data
    filters = KpiFilters(
        programme=data.get("programme", ""),
        campaign=data.get("campaign"),
        site=data.get("site", ""),
        month_from=_month(data.get("month_from")),
        month_to=_month(data.get("month_to")),
        screening_round=data.get("round", ""),
        age_band=data.get("age_band", ""),
        vendor=data.get("vendor", ""),
    )
    return filters, data.get("by", "campaign"), {}
