"""Accuracy per subgroup: the final decision's and the AI's sensitivity and specificity per age band,
screening round, vendor and model of the images, site, or AI model version, with Wilson intervals,
disclosed like every other figure (a group's small counts suppress its shares)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from screening.statistics.accuracy_counts import Tally
from screening.statistics.accuracy_figures import DecisionFigure, decision_figure
from screening.statistics.dashboard_charts import Cell, Chart, drawn, figure_json, rate_cells
from screening.statistics.kpi_scope import age_band_labels

ACCURACY_GROUPS = {
    "age_band": "Age band",
    "round": "Round",
    "vendor": "Vendor and model",
    "site": "Site",
    "model": "AI model version",
}
DEFAULT_GROUP = "age_band"
NOT_SCORED = "not scored"


@dataclass(frozen=True)
class GroupAccuracy:
    """One subgroup's final decision (episode result) and AI decision against the truth."""

    group: str
    final: DecisionFigure
    ai: DecisionFigure


def _order(group: str) -> tuple[int, str]:
    bands = age_band_labels()
    return (bands.index(group), "") if group in bands else (len(bands), group)


def accuracy_by_group(tallies: dict[str, tuple[Tally, Tally]], by: str) -> list[GroupAccuracy]:
    """The final decision's and the AI's accuracy in each group of `by` (one of ACCURACY_GROUPS),
    from their tallies (`AccuracyCounts.groups`)."""
    named = {(group or (NOT_SCORED if by == "model" else "(none)")): pair for group, pair in tallies.items()}
    return [
        GroupAccuracy(
            group,
            decision_figure("final", "Final decision", final),
            decision_figure("ai", "AI at the recorded threshold", ai),
        )
        for group, (final, ai) in sorted(named.items(), key=lambda item: _order(item[0]))
    ]


def _error_bars(rows: Sequence[Sequence[Cell]], at: int) -> dict[str, Any]:
    def gap(upper: Cell, lower: Cell) -> float | None:
        high, low = drawn(upper), drawn(lower)
        return None if high is None or low is None else round(high - low, 1)

    return {
        "type": "data",
        "symmetric": False,
        "array": [gap(row[at + 2], row[at]) for row in rows],
        "arrayminus": [gap(row[at], row[at + 1]) for row in rows],
    }


def groups_chart(groups: Sequence[GroupAccuracy], by: str) -> Chart:
    """Sensitivity and specificity of the final decision and the AI per group, with intervals."""
    measures = ("Final sensitivity %", "Final specificity %", "AI sensitivity %", "AI specificity %")
    columns = [ACCURACY_GROUPS[by], "Episodes (known truth)", "Unknown truth", "AI scored (known truth)"]
    for measure in measures:
        columns += [measure, f"{measure} low", f"{measure} high"]
    rows = tuple(
        (
            g.group,
            g.final.decisions,
            g.final.unknown,
            g.ai.decisions,
            *rate_cells(g.final.sensitivity),
            *rate_cells(g.final.specificity),
            *rate_cells(g.ai.sensitivity),
            *rate_cells(g.ai.specificity),
        )
        for g in groups
    )
    colours = ("#1d4f91", "#6b8e23", "#8a3b12", "#7a5195")
    traces = [
        go.Bar(
            x=[row[0] for row in rows],
            y=[drawn(row[4 + 3 * index]) for row in rows],
            name=measure,
            marker={"color": colour},
            error_y=_error_bars(rows, 4 + 3 * index),
        )
        for index, (measure, colour) in enumerate(zip(measures, colours, strict=True))
    ]
    figure = figure_json(
        traces, barmode="group", yaxis={"title": {"text": "%"}, "range": [0, 100]}, xaxis={"type": "category"}
    )
    title = f"Sensitivity and specificity by {ACCURACY_GROUPS[by].lower()}"
    return Chart("groups", title, tuple(columns), rows, figure)
