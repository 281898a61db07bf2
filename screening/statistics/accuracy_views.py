"""The Outcomes, Accuracy and Readers pages, their charts' CSVs, and the coordinator's drill-down
from a figure to its episodes. Thin: read the filters, call a selector, render."""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from screening.core.access import access_denied
from screening.core.actors import Actor
from screening.statistics.accuracy_counts import models_in_scope
from screening.statistics.accuracy_filter_input import (
    accuracy_filters_read,
    accuracy_group_read,
    accuracy_query,
)
from screening.statistics.accuracy_groups import ACCURACY_GROUPS
from screening.statistics.accuracy_selectors import PAGES, page_board, page_chart
from screening.statistics.drilldown_selectors import (
    DRILLDOWN_RULE,
    DRILLDOWNS,
    drilldown_episodes,
    may_drill_down,
)
from screening.statistics.kpi_scope import ROUNDS, age_band_labels, filter_choices
from screening.statistics.views import _params_with_default_programme, require_statistics_access

TITLES = {
    "outcomes": "Outcome KPIs",
    "accuracy": "Accuracy against the truth",
    "readers": "Readers",
}


def _page(request: HttpRequest, page: str) -> HttpResponse:
    params = _params_with_default_programme(request)
    filters, model, errors = accuracy_filters_read(params, user=request.user)
    group, group_errors = accuracy_group_read(params)
    errors = errors | group_errors
    board = page_board(page=page, user=request.user, filters=filters, model=model, group=group)
    context = {
        "page": page,
        "title": TITLES[page],
        "board": board,
        "filters": filters,
        "model": model,
        "errors": errors,
        "choices": filter_choices(user=request.user),
        "models": models_in_scope(user=request.user),
        "rounds": ROUNDS,
        "age_bands": age_band_labels(),
        "group": group,
        "groups": list(ACCURACY_GROUPS.items()),
        "query_string": urlencode(accuracy_query(filters, model, group)),
        "may_drill_down": may_drill_down(request.user),
    }
    return render(request, f"statistics/{page}.html", context, status=400 if errors else 200)


@require_GET
@require_statistics_access
def outcomes(request: HttpRequest) -> HttpResponse:
    """Cancer detection, PPV of recall, biopsy and interval cancer rates, Lung-RADS categories."""
    return _page(request, "outcomes")


@require_GET
@require_statistics_access
def accuracy(request: HttpRequest) -> HttpResponse:
    """Sensitivity and specificity of each decision, AUC and ROC, calibration, agreement."""
    return _page(request, "accuracy")


@require_GET
@require_statistics_access
def readers(request: HttpRequest) -> HttpResponse:
    """Each reader's volume, recall rate, PPV, accuracy and agreement, by reader code."""
    return _page(request, "readers")


@require_GET
@require_statistics_access
def page_chart_csv(request: HttpRequest, page: str, chart: str) -> HttpResponse:
    """One chart's numbers as CSV: the same rows as the table beside it."""
    params = _params_with_default_programme(request)
    filters, model, errors = accuracy_filters_read(params, user=request.user)
    group, group_errors = accuracy_group_read(params)
    errors = errors | group_errors
    if errors:
        return HttpResponse(
            "; ".join(f"{k}: {v}" for k, v in errors.items()), status=400, content_type="text/plain"
        )
    found = (
        page_chart(page=page, user=request.user, filters=filters, model=model, slug=chart, group=group)
        if page in PAGES
        else None
    )
    if found is None:
        raise Http404("No such chart.")
    response = HttpResponse(found.csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statistics-{page}-{found.slug}.csv"'
    return response


@require_GET
@require_statistics_access
def drilldown(request: HttpRequest, figure: str) -> HttpResponse:
    """The episodes behind a figure, for coordinators (audited); auditors are refused."""
    if not may_drill_down(request.user):
        access_denied(request, DRILLDOWN_RULE)
    if figure not in DRILLDOWNS:
        raise Http404("No such figure.")
    params = _params_with_default_programme(request)
    filters, model, errors = accuracy_filters_read(params, user=request.user)
    if errors:
        return HttpResponse(
            "; ".join(f"{k}: {v}" for k, v in errors.items()), status=400, content_type="text/plain"
        )
    found = drilldown_episodes(actor=Actor.from_request(request), filters=filters, model=model, slug=figure)
    context = {"drilldown": found, "query_string": urlencode(accuracy_query(filters, model))}
    return render(request, "statistics/drilldown.html", context)
