"""Subgroup equity: per group the final decision's sensitivity and specificity, the recall rate
(Wilson 95% intervals) and the AI's AUC (DeLong 95% interval), disclosed like every auditor figure;
a group whose interval excludes the whole selection's value is flagged, above or below."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import plotly.graph_objects as go

from screening.statistics.accuracy_figures import PERCENT, auc_figure
from screening.statistics.dashboard_charts import Cell, Chart, drawn, figure_json, rate_cells
from screening.statistics.equity_counts import NOT_RECORDED, GroupCounts
from screening.statistics.kpi_scope import age_band_labels
from screening.statistics.maths.disclosure import DisclosedProportion, disclosed
from screening.statistics.maths.proportions import proportion
from screening.statistics.maths.subgroups import interval_excludes

MEASURES = (
    ("sensitivity", "Sensitivity %"),
    ("specificity", "Specificity %"),
    ("recall_rate", "Recall rate %"),
    ("auc", "AI AUC %"),
)
OVERALL = "All episodes"


@dataclass(frozen=True)
class EquityFigure:
    """One group's figures (percent), each None when suppressed, and which intervals exclude the
    overall value ({measure: "above" or "below"})."""

    group: str
    episodes: int | str
    unknown: int | str
    sensitivity: DisclosedProportion
    specificity: DisclosedProportion
    recall_rate: DisclosedProportion
    auc: DisclosedProportion  # value, low, high in percent; numerator and denominator the cancers
    # and the episodes without cancer scored
    flags: dict[str, str] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def _auc_share(counts: GroupCounts) -> DisclosedProportion:
    """The AI's AUC in percent (DeLong interval), suppressed under 5 cancers or 5 without."""
    figure = auc_figure(counts.histogram())
    suppressed = figure.suppressed or figure.auc is None

    def scale(value: float | None) -> float | None:
        return None if value is None or suppressed else PERCENT * value

    return DisclosedProportion(
        figure.positives,
        figure.negatives,
        PERCENT,
        scale(figure.auc),
        scale(figure.low),
        scale(figure.high),
        suppressed,
    )


def equity_figure(group: str, counts: GroupCounts) -> EquityFigure:
    """A group's figures from its counts, not yet flagged."""
    tally = counts.final
    return EquityFigure(
        group=group,
        episodes=disclosed(counts.decided),
        unknown=disclosed(tally.unknown),
        sensitivity=disclosed(
            proportion(tally.true_positive, tally.true_positive + tally.false_negative, per=PERCENT)
        ),
        specificity=disclosed(
            proportion(tally.true_negative, tally.true_negative + tally.false_positive, per=PERCENT)
        ),
        recall_rate=disclosed(proportion(counts.recalls, counts.decided, per=PERCENT)),
        auc=_auc_share(counts),
    )


def flagged(figure: EquityFigure, overall: EquityFigure) -> EquityFigure:
    """The group's figure with a flag on each measure whose interval excludes the overall value."""
    flags = {}
    for measure, _ in MEASURES:
        share, whole = getattr(figure, measure), getattr(overall, measure)
        if direction := interval_excludes(share.low, share.high, whole.value):
            flags[measure] = direction
    return EquityFigure(**{**figure.__dict__, "flags": flags})


def _order(group: str) -> tuple[int, str]:
    bands = age_band_labels()
    if group in bands:
        return (0, f"{bands.index(group):03d}")
    return (2, group) if group in (NOT_RECORDED, "") else (1, group)


def equity_figures(
    groups: dict[str, GroupCounts], overall: GroupCounts
) -> tuple[EquityFigure, list[EquityFigure]]:
    """(the whole selection's figure, each group's, flagged against it), groups in a stable order."""
    whole = equity_figure(OVERALL, overall)
    return whole, [
        flagged(equity_figure(group or "(none)", counts), whole)
        for group, counts in sorted(groups.items(), key=lambda item: _order(item[0]))
    ]


def equity_chart(overall: EquityFigure, figures: Sequence[EquityFigure], label: str) -> Chart:
    """Each measure per group with its interval (the overall value as a dotted line); the table
    and CSV carry the same numbers and the flags."""
    columns = [label, "Episodes", "Unknown truth"]
    for _, name in MEASURES:
        columns += [name, f"{name} low", f"{name} high"]
    columns.append("Interval excludes the overall value")
    rows: list[tuple[Cell, ...]] = []
    for figure in (overall, *figures):
        cells: list[Cell] = [figure.group, figure.episodes, figure.unknown]
        for measure, _ in MEASURES:
            cells += rate_cells(getattr(figure, measure))
        cells.append("; ".join(f"{measure} {direction}" for measure, direction in figure.flags.items()))
        rows.append(tuple(cells))
    colours = ("#8a3b12", "#6b8e23", "#1d4f91", "#7a5195")
    traces = []
    for index, ((_, name), colour) in enumerate(zip(MEASURES, colours, strict=True)):
        at = 3 + 3 * index
        traces.append(
            go.Scatter(
                x=[row[0] for row in rows[1:]],
                y=[drawn(row[at]) for row in rows[1:]],
                name=name,
                mode="markers",
                marker={"color": colour, "size": 9},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [_gap(row[at + 2], row[at]) for row in rows[1:]],
                    "arrayminus": [_gap(row[at], row[at + 1]) for row in rows[1:]],
                },
            )
        )
        whole = drawn(rows[0][at])
        if whole is not None:
            traces.append(
                go.Scatter(
                    x=[row[0] for row in rows[1:]],
                    y=[whole] * (len(rows) - 1),
                    name=f"{name}, all episodes",
                    mode="lines",
                    line={"color": colour, "dash": "dot"},
                    showlegend=False,
                )
            )
    figure_ = figure_json(
        traces, yaxis={"title": {"text": "%"}, "range": [0, 100]}, xaxis={"type": "category"}
    )
    return Chart("equity", f"Equity by {label.lower()}", tuple(columns), tuple(rows), figure_)


def _gap(upper: Cell, lower: Cell) -> float | None:
    high, low = drawn(upper), drawn(lower)
    return None if high is None or low is None else round(high - low, 1)
