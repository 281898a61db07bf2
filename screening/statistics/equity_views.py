"""The subgroup equity page and its chart's CSV: the accuracy filters and a breakdown (the accuracy
groups and each participant attribute recorded). Thin: read the filters, call a selector, render."""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from screening.statistics.accuracy_counts import models_in_scope
from screening.statistics.accuracy_filter_input import accuracy_filters_read, accuracy_query
from screening.statistics.equity_counts import equity_groups
from screening.statistics.equity_selectors import DEFAULT_EQUITY_GROUP, equity_board
from screening.statistics.kpi_scope import ROUNDS, age_band_labels, filter_choices
from screening.statistics.views import _params_with_default_programme, require_statistics_access


def equity_group_read(params: Any) -> tuple[str, dict[str, Any]]:
    """(the breakdown, errors) from query parameters: an accuracy group or "attribute:<name>"."""
    group = params.get("group") or DEFAULT_EQUITY_GROUP
    if group not in equity_groups():
        return DEFAULT_EQUITY_GROUP, {"group": [f'"{group}" is not a breakdown of this page.']}
    return group, {}


def _read(request: HttpRequest) -> tuple[Any, str, str, dict[str, Any]]:
    params = _params_with_default_programme(request)
    filters, model, errors = accuracy_filters_read(params, user=request.user)
    group, group_errors = equity_group_read(params)
    return filters, model, group, errors | group_errors


@require_GET
@require_statistics_access
def equity(request: HttpRequest) -> HttpResponse:
    """Sensitivity, specificity, recall rate and AI AUC per subgroup, flagged where they differ."""
    filters, model, group, errors = _read(request)
    board = equity_board(user=request.user, filters=filters, model=model, group=group)
    query = accuracy_query(filters, model) | ({"group": group} if group != DEFAULT_EQUITY_GROUP else {})
    context = {
        "page": "equity",
        "board": board,
        "filters": filters,
        "model": model,
        "errors": errors,
        "choices": filter_choices(user=request.user),
        "models": models_in_scope(user=request.user),
        "rounds": ROUNDS,
        "age_bands": age_band_labels(),
        "group": group,
        "groups": list(equity_groups().items()),
        "query_string": urlencode(query),
    }
    return render(request, "statistics/equity.html", context, status=400 if errors else 200)


@require_GET
@require_statistics_access
def equity_csv(request: HttpRequest) -> HttpResponse:
    """The equity chart's numbers as CSV: the same rows as its table, flags included."""
    filters, model, group, errors = _read(request)
    if errors:
        return HttpResponse(
            "; ".join(f"{k}: {v}" for k, v in errors.items()), status=400, content_type="text/plain"
        )
    chart = equity_board(user=request.user, filters=filters, model=model, group=group).charts[0]
    response = HttpResponse(chart.csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="statistics-equity.csv"'
    return response
