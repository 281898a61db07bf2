"""The monitoring page's charts, each built from its table's rows (statistics' `Chart`): score drift,
triage bands and failures, CUSUM charts, the header mix per attribute, and the alert timeline."""

from typing import Any

from screening.monitoring.drift_figures import HeaderMixWeek, ScoreDriftWeek
from screening.monitoring.models import HeaderAttribute, MonitoringAlert
from screening.monitoring.outcome_cusum import CusumChart
from screening.statistics.dashboard_charts import LAYOUT, Cell, Chart, drawn
from screening.statistics.maths.disclosure import count_disclosed
from screening.statistics.maths.drift import PSI_MAJOR, PSI_MODERATE

TOO_FEW = "too few"


def _trace(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **fields}


def _figure(traces: list[dict[str, Any]], **layout: Any) -> dict[str, Any]:
    """Plotly JSON written directly (the page draws up to a dozen charts; plotly's Python figure
    validation would cost more than the queries), on the house layout with room for axis labels."""
    for axis in sorted({"xaxis", "yaxis", *(name for name in layout if "axis" in name)}):
        layout[axis] = {"automargin": True, **layout.get(axis, {})}
    return {"data": traces, "layout": {**LAYOUT, **layout}}


def _number(value: float | None, digits: int = 3) -> Cell:
    return "" if value is None else round(value, digits)


def _percent(value: float | None) -> Cell:
    return "" if value is None else round(100 * value, 1)


def score_drift_chart(weeks: list[ScoreDriftWeek]) -> Chart:
    rows = tuple(
        (
            str(w.week),
            w.results,
            _number(w.psi) if w.enough else TOO_FEW,
            w.level if w.enough else TOO_FEW,
            _number(w.ks),
            _number(w.ks_p, 4),
        )
        for w in weeks
    )
    x = [row[0] for row in rows]
    traces = [
        _trace("scatter", x=x, y=[drawn(row[2]) for row in rows], name="PSI", mode="lines+markers"),
        _trace("scatter", x=x, y=[drawn(row[4]) for row in rows], name="KS statistic", mode="lines+markers"),
    ]
    shapes = [
        {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y, "line": {"dash": "dash"}}
        for y in (PSI_MODERATE, PSI_MAJOR)
    ]
    return Chart(
        slug="score-drift",
        title="Score drift against the model card (PSI: < 0.1 stable, 0.1-0.25 moderate, > 0.25 major)",
        columns=("Week", "Results", "PSI", "Level", "KS statistic", "KS p-value"),
        rows=rows,
        figure=_figure(traces, shapes=shapes, yaxis={"title": "PSI / KS", "rangemode": "tozero"}),
    )


def bands_chart(weeks: list[ScoreDriftWeek]) -> Chart:
    rows = tuple(
        (
            str(w.week),
            w.results,
            _percent(w.high_share),
            _percent(w.intermediate_share),
            _percent(w.low_share),
            w.failed,
            _percent(w.failed_share),
        )
        for w in weeks
    )
    x = [row[0] for row in rows]
    names = ("High %", "Intermediate %", "Low %")
    traces: list[dict[str, Any]] = [
        _trace("bar", x=x, y=[drawn(row[2 + i]) for row in rows], name=names[i]) for i in range(3)
    ]
    traces.append(
        _trace("scatter", x=x, y=[drawn(row[6]) for row in rows], name="Failed %", mode="lines+markers")
    )
    return Chart(
        slug="triage-bands",
        title="Share in each triage band, and failed or unreadable studies",
        columns=("Week", "Results", *names, "Failed", "Failed %"),
        rows=rows,
        figure=_figure(traces, barmode="stack", yaxis={"title": "% of results"}),
    )


def cusum_chart(chart: CusumChart, weeks: int) -> Chart:
    """The chart's latest weeks (its statistic runs over the whole history)."""
    rows = tuple(
        (
            str(week),
            count_disclosed(n),
            count_disclosed(x),
            round(s, 3),
            round(chart.design.limit, 3),
            "signal" if signal else "",
        )
        for week, n, x, s, signal in zip(
            chart.weeks, chart.trials, chart.events, chart.statistic, chart.signals, strict=True
        )
    )[-weeks:]
    x = [row[0] for row in rows]
    traces = [
        _trace("scatter", x=x, y=[row[3] for row in rows], name="CUSUM", mode="lines+markers"),
        _trace(
            "scatter", x=x, y=[row[4] for row in rows], name="Limit h", mode="lines", line={"dash": "dash"}
        ),
    ]
    slug = "cusum-" + chart.spec.kind.replace("_", "-")
    return Chart(
        slug=slug,
        title=f"CUSUM: {chart.spec.title}",
        columns=("Week", "Observations", "Events", "CUSUM", "Limit h", "Signal"),
        rows=rows,
        figure=_figure(traces, yaxis={"title": "log-likelihood ratio", "rangemode": "tozero"}),
    )


def header_chart(attribute: str, weeks: list[HeaderMixWeek]) -> Chart:
    """One row per week: each value's share of the images (values first seen that week marked *)."""
    values = sorted({value for week in weeks for value in week.counts})
    rows = tuple(
        (
            str(week.week),
            week.images,
            *(_percent(week.counts[v] / week.images) if v in week.counts else 0.0 for v in values),
            ", ".join(week.new_values),
        )
        for week in weeks
    )
    traces = [
        _trace("bar", x=[row[0] for row in rows], y=[row[2 + i] for row in rows], name=value)
        for i, value in enumerate(values)
    ]
    label = HeaderAttribute(attribute).label
    return Chart(
        slug=f"input-{attribute.replace('_', '-')}",
        title=f"Input mix: {label} (% of images)",
        columns=("Week", "Images", *values, "New values"),
        rows=rows,
        figure=_figure(traces, barmode="stack", yaxis={"title": "% of images"}),
    )


def timeline_chart(alerts: list[MonitoringAlert]) -> Chart:
    ordered = sorted(alerts, key=lambda a: (a.week, a.pk or 0))
    rows = tuple(
        (
            str(a.week),
            a.get_kind_display(),
            a.model_key or "-",
            a.site,
            a.subject or "-",
            a.get_status_display(),
        )
        for a in ordered
    )
    traces = [
        _trace(
            "scatter",
            x=[row[0] for row in rows],
            y=[row[1] for row in rows],
            mode="markers",
            marker={"size": 12},
            name="Alerts and events",
            text=[f"{row[4]} ({row[5]})" for row in rows],
        )
    ]
    return Chart(
        slug="timeline",
        title="Timeline of alerts and events",
        columns=("Week", "Kind", "Model", "Site", "Subject", "Status"),
        rows=rows,
        figure=_figure(traces, yaxis={"title": ""}, xaxis={"title": "Week"}),
    )
