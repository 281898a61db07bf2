"""The auditor's dashboard (programme overview) and its charts' CSVs: aggregates only, read-only."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from screening.core.access import AUTHENTICATED, access_denied, require_permission
from screening.statistics.dashboard_selectors import (
    BREAKDOWN_LABELS,
    CHART_BREAKDOWNS,
    dashboard_chart,
    dashboard_get,
)
from screening.statistics.kpi_filter_input import kpi_filters_read
from screening.statistics.kpi_scope import (
    ACCESS_RULE,
    ROUNDS,
    age_band_labels,
    filter_choices,
    may_see_statistics,
)


def require_statistics_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in auditors, admins and coordinators (their own campaigns); anyone else is refused."""

    @require_permission(AUTHENTICATED)
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_see_statistics(request.user):
            access_denied(request, ACCESS_RULE)
        return view(request, *args, **kwargs)

    wrapped.access_rule = ACCESS_RULE  # type: ignore[attr-defined]
    return wrapped


def _params_with_default_programme(request: HttpRequest) -> Any:
    """The query, with the user's first programme when none was asked for (the overview is per programme)."""
    params = request.GET.copy()
    if "programme" not in params:
        programmes = filter_choices(user=request.user).programmes
        if programmes:
            params["programme"] = programmes[0][0]
    return params


@require_GET
@require_statistics_access
def dashboard(request: HttpRequest) -> HttpResponse:
    """Programme overview: KPI tiles against the standards, funnel, trends, breakdown, backlog."""
    params = _params_with_default_programme(request)
    filters, by, errors = kpi_filters_read(params, user=request.user)
    board = dashboard_get(user=request.user, filters=filters, by=by)
    context = {
        "board": board,
        "filters": filters,
        "by": by,
        "errors": errors,
        "query_string": urlencode(filters.as_query() | {"by": by}),
        "rounds": ROUNDS,
        "age_bands": age_band_labels(),
        "breakdowns": [(key, BREAKDOWN_LABELS[key]) for key in CHART_BREAKDOWNS],
    }
    return render(request, "statistics/dashboard.html", context, status=400 if errors else 200)


@require_GET
@require_statistics_access
def chart_csv(request: HttpRequest, chart: str) -> HttpResponse:
    """One chart's numbers as CSV: the same rows as the table beside it."""
    filters, by, errors = kpi_filters_read(_params_with_default_programme(request), user=request.user)
    if errors:
        return HttpResponse(
            "; ".join(f"{k}: {v}" for k, v in errors.items()), status=400, content_type="text/plain"
        )
    found = dashboard_chart(user=request.user, filters=filters, by=by, slug=chart)
    if found is None:
        raise Http404("No such chart.")
    response = HttpResponse(found.csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statistics-{found.slug}.csv"'
    return response
