"""Everything the programme overview shows, for one user and one set of filters."""

from dataclasses import dataclass
from typing import Any

from screening.statistics.backlog_selectors import BacklogSummary, backlog_summary
from screening.statistics.dashboard_charts import (
    Chart,
    backlog_chart,
    breakdown_chart,
    funnel_chart,
    trends_chart,
)
from screening.statistics.kpi_scope import FilterChoices, KpiFilters, filter_choices
from screening.statistics.kpi_selectors import KpiRow, kpi_breakdown, kpi_overview

BREAKDOWN_LABELS = {
    "programme": "Programme",
    "campaign": "Campaign",
    "site": "Site",
    "month": "Month",
    "round": "Round",
    "age_band": "Age band",
    "vendor": "Vendor and model",
}
# Breakdowns the charts page offers beside month (the trends chart has the months).
CHART_BREAKDOWNS = ("campaign", "site", "round", "age_band", "vendor", "programme")


@dataclass(frozen=True)
class Dashboard:
    overview: list[KpiRow]
    backlog: BacklogSummary
    charts: list[Chart]
    choices: FilterChoices


def breakdown_labels(by: str, choices: FilterChoices) -> dict[Any, str]:
    """Names for the ids and codes a breakdown groups by."""
    if by == "campaign":
        return dict(choices.campaigns)
    if by == "programme":
        return dict(choices.programmes)
    if by == "round":
        return {"first": "First round", "subsequent": "Subsequent rounds"}
    return {}


def dashboard_charts(
    *, user: Any, filters: KpiFilters, by: str, choices: FilterChoices
) -> tuple[list[KpiRow], BacklogSummary, list[Chart]]:
    """The overview's KPIs, the backlog, and the four charts built from them."""
    by = by if by in CHART_BREAKDOWNS else "campaign"
    overview = kpi_overview(user=user, filters=filters)
    months = kpi_breakdown(user=user, filters=filters, by="month")
    groups = kpi_breakdown(user=user, filters=filters, by=by, labels=breakdown_labels(by, choices))
    backlog = backlog_summary(user=user, filters=filters)
    charts = [
        funnel_chart(overview[0]),
        trends_chart(months),
        breakdown_chart(groups, BREAKDOWN_LABELS[by]),
        backlog_chart(backlog),
    ]
    return overview, backlog, charts


def dashboard_get(*, user: Any, filters: KpiFilters, by: str) -> Dashboard:
    choices = filter_choices(user=user)
    overview, backlog, charts = dashboard_charts(user=user, filters=filters, by=by, choices=choices)
    return Dashboard(overview, backlog, charts, choices)


def dashboard_chart(*, user: Any, filters: KpiFilters, by: str, slug: str) -> Chart | None:
    """One chart of the dashboard (for its CSV), or None when there is no such chart."""
    _, _, charts = dashboard_charts(user=user, filters=filters, by=by, choices=filter_choices(user=user))
    return next((chart for chart in charts if chart.slug == slug), None)
