"""The dashboard's filters plus an AI model version, for the Outcomes, Accuracy and Readers pages,
their CSVs, the drill-down and their API answers."""

from typing import Any

from rest_framework import serializers

from screening.statistics.accuracy_groups import ACCURACY_GROUPS, DEFAULT_GROUP
from screening.statistics.kpi_filter_input import KpiFilterInput, kpi_filters_read
from screening.statistics.kpi_scope import KpiFilters

MODEL_PATTERN = r"^[\w.\-]+:[\w.\-+]+$"


class AccuracyFilterInput(KpiFilterInput):
    """The dashboard's filters, `model_version` ("name:version" of the AI model that scored) and
    `group`, the subgroups the accuracy figures are broken down by."""

    model_version = serializers.RegexField(MODEL_PATTERN, required=False, allow_blank=True, max_length=160)
    group = serializers.ChoiceField(choices=list(ACCURACY_GROUPS), required=False, default=DEFAULT_GROUP)


class GroupInput(serializers.Serializer):
    group = serializers.ChoiceField(choices=list(ACCURACY_GROUPS), required=False, default=DEFAULT_GROUP)


class ModelVersionInput(serializers.Serializer):
    model_version = serializers.RegexField(MODEL_PATTERN, required=False, allow_blank=True, max_length=160)


def accuracy_filters_read(params: Any, *, user: Any) -> tuple[KpiFilters, str, dict[str, Any]]:
    """(filters, model "name:version" or "", errors) from query parameters."""
    base = {key: params.get(key) for key in params if key != "model_version"}
    filters, _, errors = kpi_filters_read(base, user=user)
    version = ModelVersionInput(data={"model_version": params.get("model_version") or ""})
    if not version.is_valid():
        errors = {**errors, **version.errors}
    if errors:
        return KpiFilters(), "", dict(errors)
    return filters, version.validated_data.get("model_version", ""), {}


def accuracy_group_read(params: Any) -> tuple[str, dict[str, Any]]:
    """(the accuracy breakdown's group, errors) from query parameters."""
    form = GroupInput(data={"group": params.get("group")} if params.get("group") else {})
    if not form.is_valid():
        return DEFAULT_GROUP, dict(form.errors)
    return form.validated_data["group"], {}


def accuracy_query(filters: KpiFilters, model: str, group: str = DEFAULT_GROUP) -> dict[str, str]:
    """The filters as URL query parameters (CSV and drill-down links)."""
    chosen = {"group": group} if group != DEFAULT_GROUP else {}
    return filters.as_query() | ({"model_version": model} if model else {}) | chosen
