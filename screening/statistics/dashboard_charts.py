"""The dashboard's charts: each one's table (what a screen reader and the CSV get) and its figure.

A chart is built from its table's rows and nothing else, so the table beside it, its CSV and the
figure show the same numbers: rates in percent to one decimal, counts under 5 as "<5", and a
suppressed rate as "suppressed" (drawn as a gap).
"""

import csv
import io
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from screening.statistics.backlog_selectors import BacklogSummary
from screening.statistics.kpi_selectors import KpiRow
from screening.statistics.maths.disclosure import DisclosedProportion

SUPPRESSED = "suppressed"
Cell = int | float | str
RATE_MEASURES = (
    ("uptake", "Uptake %"),
    ("recall_rate", "Recall rate %"),
    ("technical_recall_rate", "Technical recall %"),
    ("result_within_standard", "Results within 14 days %"),
)
LAYOUT = {
    "template": "none",
    "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
    "height": 320,
    "font": {"family": "system-ui, sans-serif", "size": 13},
    "legend": {"orientation": "h", "y": -0.2},
}


@dataclass(frozen=True)
class Chart:
    """One chart: a slug (its CSV's name), a title, the table's columns and rows, the figure."""

    slug: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    figure: dict[str, Any]

    @property
    def script_id(self) -> str:
        return f"figure-{self.slug}"

    def csv_text(self) -> str:
        """The table as CSV: exactly the numbers drawn."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buffer.getvalue()


def rate_cells(share: DisclosedProportion | None) -> tuple[Cell, Cell, Cell]:
    """(value, low, high) in percent to one decimal, or "suppressed" (or "" without a denominator)."""
    if share is None:
        return "", "", ""
    if share.suppressed:
        return SUPPRESSED, SUPPRESSED, SUPPRESSED
    if share.value is None or share.low is None or share.high is None:
        return "", "", ""
    return round(share.value, 1), round(share.low, 1), round(share.high, 1)


def drawn(cell: Cell) -> float | None:
    """What the figure draws for a cell: its number, or a gap."""
    return cell if isinstance(cell, int | float) and not isinstance(cell, bool) else None


def figure_json(traces: list[Any], **layout: Any) -> dict[str, Any]:
    """The figure as plotly JSON, on the house layout; every axis makes room for its labels (long
    stage and decision names stay whole instead of being cut at the plot's edge)."""
    for axis in sorted({"xaxis", "yaxis", *(name for name in layout if "axis" in name)}):
        layout[axis] = {"automargin": True, **layout.get(axis, {})}
    return go.Figure(data=traces, layout={**LAYOUT, **layout}).to_plotly_json()


def funnel_chart(overall: KpiRow) -> Chart:
    """Invited, attended, screened with a result, recalled: counts of the whole selection."""
    uptake, recall = overall.figure("uptake").share, overall.figure("recall_rate").share
    assert uptake is not None and recall is not None
    stages = (
        ("Invited", uptake.denominator),
        ("Attended", uptake.numerator),
        ("Routine or recall result", recall.denominator),
        ("Recalled for assessment", recall.numerator),
    )
    figure = figure_json(
        [
            go.Funnel(
                y=[label for label, _ in stages],
                x=[drawn(count) for _, count in stages],
                text=[str(count) for _, count in stages],
                textinfo="text",
                marker={"color": "#1d4f91"},
            )
        ]
    )
    return Chart("funnel", "The screening funnel", ("Stage", "Episodes"), tuple(stages), figure)


def trends_chart(months: list[KpiRow]) -> Chart:
    """The rates month by month (uptake by month of invitation, the others by month of images)."""
    columns = ["Month"]
    for _, label in RATE_MEASURES:
        columns += [label, f"{label} low", f"{label} high"]
    rows = []
    for row in months:
        cells: list[Cell] = [row.label]
        for measure, _ in RATE_MEASURES:
            cells += rate_cells(row.figure(measure).share)
        rows.append(tuple(cells))
    traces = [
        go.Scatter(
            x=[row[0] for row in rows],
            y=[drawn(row[1 + 3 * i]) for row in rows],
            name=label,
            mode="lines+markers",
            connectgaps=False,
        )
        for i, (_, label) in enumerate(RATE_MEASURES)
    ]
    figure = figure_json(
        traces, yaxis={"title": {"text": "%"}, "rangemode": "tozero"}, xaxis={"type": "category"}
    )
    return Chart("trends", "Trends by month", tuple(columns), tuple(rows), figure)


def breakdown_chart(groups: list[KpiRow], by_label: str) -> Chart:
    """Screened, recall rate and technical recall per group, the recall rate drawn with its interval."""
    columns = (
        by_label,
        "Invited",
        "Screened",
        "Recall rate %",
        "Recall rate % low",
        "Recall rate % high",
        "Technical recall %",
        "Results within 14 days %",
    )
    rows = []
    for row in groups:
        recall, technical = row.figure("recall_rate").share, row.figure("technical_recall_rate").share
        within = row.figure("result_within_standard").share
        invited = row.figure("invitations").count
        screened = technical.denominator if technical else ""
        rows.append(
            (
                row.label,
                invited or 0,
                screened,
                *rate_cells(recall),
                rate_cells(technical)[0],
                rate_cells(within)[0],
            )
        )
    values = [drawn(row[3]) for row in rows]
    figure = figure_json(
        [
            go.Bar(
                x=[row[0] for row in rows],
                y=values,
                name="Recall rate %",
                marker={"color": "#1d4f91"},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [_gap(row[5], row[3]) for row in rows],
                    "arrayminus": [_gap(row[3], row[4]) for row in rows],
                },
            )
        ],
        yaxis={"title": {"text": "Recall rate %"}, "rangemode": "tozero"},
        xaxis={"type": "category"},
    )
    return Chart("breakdown", f"Recall rate by {by_label.lower()}", columns, tuple(rows), figure)


def _gap(upper: Cell, lower: Cell) -> float | None:
    high, low = drawn(upper), drawn(lower)
    return None if high is None or low is None else round(high - low, 1)


def backlog_chart(backlog: BacklogSummary) -> Chart:
    """Episodes waiting for a result by age, and the breaches forecast on each coming day."""
    rows = tuple((f"Waiting {label}", count) for label, count in backlog.by_age) + tuple(
        (f"Forecast to breach on {day.isoformat()}", count) for day, count in backlog.breaches_by_day
    )
    figure = figure_json(
        [
            go.Bar(
                x=[label for label, _ in backlog.by_age],
                y=[drawn(count) for _, count in backlog.by_age],
                name="Waiting",
                marker={"color": "#1d4f91"},
            ),
            go.Bar(
                x=[day.isoformat() for day, _ in backlog.breaches_by_day],
                y=[drawn(count) for _, count in backlog.breaches_by_day],
                name="Forecast breaches",
                marker={"color": "#b3261e"},
                xaxis="x2",
                yaxis="y2",
            ),
        ],
        grid={"rows": 1, "columns": 2, "pattern": "independent"},
        yaxis={"title": {"text": "Episodes"}, "rangemode": "tozero"},
        yaxis2={"rangemode": "tozero"},
        xaxis={"type": "category"},
        xaxis2={"type": "category"},
    )
    return Chart("backlog", "Backlog by age and forecast 14-day breaches", ("What", "Episodes"), rows, figure)
