"""The outcome, accuracy and reader charts: each built from its table's rows only (as
`dashboard_charts`), so the table, its CSV and the figure show the same numbers."""

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from screening.statistics.accuracy_figures import AucFigure, CalibrationFigure, DecisionFigure
from screening.statistics.dashboard_charts import SUPPRESSED, Cell, Chart, drawn, figure_json, rate_cells
from screening.statistics.maths.disclosure import DisclosedProportion, disclosed
from screening.statistics.maths.proportions import proportion
from screening.statistics.outcome_kpis import CategoryRow, OutcomeFigure
from screening.statistics.reader_figures import ReaderFigure


def _error_bars(rows: Sequence[Sequence[Cell]], value: int) -> dict[str, Any]:
    def gap(upper: Cell, lower: Cell) -> float | None:
        high, low = drawn(upper), drawn(lower)
        return None if high is None or low is None else round(high - low, 1)

    return {
        "type": "data",
        "symmetric": False,
        "array": [gap(row[value + 2], row[value]) for row in rows],
        "arrayminus": [gap(row[value], row[value + 1]) for row in rows],
    }


def outcome_rates_chart(slug: str, title: str, figures: Sequence[OutcomeFigure], unit: str) -> Chart:
    """Outcome KPIs in one unit (per 1 000, or %) with their intervals, counts and unknowns."""
    columns = ("Measure", unit, f"{unit} low", f"{unit} high", "Events", "Of", "Unknown yet")
    rows = tuple(
        (
            figure.name,
            *rate_cells(figure.share),
            figure.share.numerator,
            figure.share.denominator,
            figure.unknown,
        )
        for figure in figures
    )
    bars = go.Bar(
        y=[row[0] for row in rows],
        x=[drawn(row[1]) for row in rows],
        orientation="h",
        marker={"color": "#1d4f91"},
        error_x=_error_bars(rows, 1),
    )
    figure = figure_json(
        [bars], xaxis={"title": {"text": unit}, "rangemode": "tozero"}, yaxis={"automargin": True}
    )
    return Chart(slug, title, columns, rows, figure)


def lung_rads_chart(categories: Sequence[CategoryRow]) -> Chart:
    columns = (
        "Lung-RADS",
        "Episodes",
        "Share of screened %",
        "Share low",
        "Share high",
        "Cancer %",
        "Cancer % low",
        "Cancer % high",
        "Unknown yet",
    )
    rows = tuple(
        (f"Lung-RADS {c.category}", c.episodes, *rate_cells(c.share), *rate_cells(c.cancer_share), c.unknown)
        for c in categories
    )
    bars = go.Bar(
        x=[row[0] for row in rows],
        y=[drawn(row[2]) for row in rows],
        marker={"color": "#1d4f91"},
        error_y=_error_bars(rows, 2),
    )
    figure = figure_json(
        [bars], yaxis={"title": {"text": "% of screened"}, "rangemode": "tozero"}, xaxis={"type": "category"}
    )
    return Chart("lung_rads", "Positive rate per Lung-RADS category", columns, rows, figure)


def decisions_chart(figures: Sequence[DecisionFigure]) -> Chart:
    """Sensitivity and specificity of each decision with their Wilson intervals."""
    columns = (
        "Decision",
        "Decisions (known truth)",
        "Unknown truth",
        "TP",
        "FP",
        "FN",
        "TN",
        "Sensitivity %",
        "Sensitivity low",
        "Sensitivity high",
        "Specificity %",
        "Specificity low",
        "Specificity high",
    )
    rows = tuple(
        (
            f.label,
            f.decisions,
            f.unknown,
            f.true_positive,
            f.false_positive,
            f.false_negative,
            f.true_negative,
            *rate_cells(f.sensitivity),
            *rate_cells(f.specificity),
        )
        for f in figures
    )
    traces = [
        go.Bar(
            x=[row[0] for row in rows],
            y=[drawn(row[at]) for row in rows],
            name=name,
            marker={"color": colour},
            error_y=_error_bars(rows, at),
        )
        for name, at, colour in (("Sensitivity %", 7, "#1d4f91"), ("Specificity %", 10, "#6b8e23"))
    ]
    figure = figure_json(
        traces, barmode="group", yaxis={"title": {"text": "%"}, "range": [0, 100]}, xaxis={"type": "category"}
    )
    return Chart("decisions", "Sensitivity and specificity of each decision", columns, rows, figure)


def roc_chart(auc: AucFigure, decisions: Sequence[DecisionFigure]) -> Chart:
    """The AI's ROC curve (when not suppressed) with the operating points of the decisions."""
    columns = ("Series", "1 - specificity %", "Sensitivity %", "Threshold")
    curve_rows: list[tuple[Cell, ...]] = [
        ("AI ROC curve", x, y, "inf" if threshold == float("inf") else round(threshold, 4))
        for x, y, threshold in auc.curve
    ]
    point_rows: list[tuple[Cell, ...]] = []
    for decision in decisions:
        point = decision.operating_point
        x, y = (round(point[0], 1), round(point[1], 1)) if point else (SUPPRESSED, SUPPRESSED)
        point_rows.append((decision.label, x, y, ""))
    rows = tuple(curve_rows + point_rows)
    traces = [
        go.Scatter(
            x=[0, 100], y=[0, 100], mode="lines", name="Chance", line={"dash": "dot", "color": "#888"}
        ),
        go.Scatter(
            x=[row[1] for row in curve_rows],
            y=[row[2] for row in curve_rows],
            mode="lines",
            name="AI ROC curve",
            line={"color": "#1d4f91", "shape": "hv"},
        ),
        go.Scatter(
            x=[drawn(row[1]) for row in point_rows],
            y=[drawn(row[2]) for row in point_rows],
            mode="markers",
            name="Operating points",
            text=[row[0] for row in point_rows],
            marker={"size": 10, "color": "#b3261e"},
        ),
    ]
    figure = figure_json(
        traces,
        xaxis={"title": {"text": "1 - specificity %"}, "range": [0, 100]},
        yaxis={"title": {"text": "Sensitivity %"}, "range": [0, 100]},
    )
    return Chart("roc", "ROC curve of the AI score, with the operating points", columns, rows, figure)


def calibration_chart(figures: Sequence[CalibrationFigure]) -> Chart:
    """The reliability diagram: observed share with cancer against mean predicted, per bin."""
    columns = ("Curve", "Bin", "Episodes", "Mean predicted %", "Observed %", "Observed low", "Observed high")
    rows: list[tuple[Cell, ...]] = []
    for figure in figures:
        for bin_ in figure.bins:
            share = _observed(bin_.observed)
            label = f"{bin_.lower * 100:.0f}-{bin_.upper * 100:.0f}%"
            count: Cell = share.denominator
            predicted: Cell = SUPPRESSED if share.suppressed else round(bin_.mean_predicted * 100, 1)
            rows.append((figure.label, label, count, predicted, *rate_cells(share)))
    traces = [
        go.Scatter(
            x=[0, 100],
            y=[0, 100],
            mode="lines",
            name="Perfect calibration",
            line={"dash": "dot", "color": "#888"},
        )
    ]
    for figure in figures:
        mine = [row for row in rows if row[0] == figure.label]
        traces.append(
            go.Scatter(
                x=[drawn(row[3]) for row in mine],
                y=[drawn(row[4]) for row in mine],
                mode="lines+markers",
                name=figure.label,
                connectgaps=False,
            )
        )
    layout = {
        "xaxis": {"title": {"text": "Mean predicted %"}, "range": [0, 100]},
        "yaxis": {"title": {"text": "Observed with cancer %"}, "range": [0, 100]},
    }
    return Chart(
        "calibration",
        "Calibration of the AI score (reliability diagram)",
        columns,
        tuple(rows),
        figure_json(traces, **layout),
    )


def _observed(share: Any) -> DisclosedProportion:
    return disclosed(proportion(share.numerator, share.denominator, per=100))


def readers_chart(readers: Sequence[ReaderFigure], *, names: bool) -> Chart:
    """Each reader's volume, recall rate, PPV, sensitivity, specificity and agreement."""
    columns = (
        "Reader",
        *(("Name",) if names else ()),
        "Reads",
        "Arbitrations",
        "Recall rate %",
        "Recall rate low",
        "Recall rate high",
        "PPV %",
        "PPV low",
        "PPV high",
        "Sensitivity %",
        "Specificity %",
        "Kappa with AI",
        "Discordance with other reader %",
    )
    rows = []
    for r in readers:
        kappa: Cell = SUPPRESSED if r.kappa_with_ai.value is None else round(r.kappa_with_ai.value, 2)
        discord: Cell = SUPPRESSED if r.discordance.value is None else round(r.discordance.value, 1)
        rows.append(
            (
                r.code,
                *((r.name,) if names else ()),
                r.reads,
                r.arbitrations,
                *rate_cells(r.recall_rate),
                *rate_cells(r.accuracy.ppv),
                rate_cells(r.accuracy.sensitivity)[0],
                rate_cells(r.accuracy.specificity)[0],
                kappa,
                discord,
            )
        )
    at = 4 if names else 3
    bars = go.Bar(
        x=[row[0] for row in rows],
        y=[drawn(row[at]) for row in rows],
        name="Recall rate %",
        marker={"color": "#1d4f91"},
        error_y=_error_bars(rows, at),
    )
    figure = figure_json(
        [bars], yaxis={"title": {"text": "Recall rate %"}, "rangemode": "tozero"}, xaxis={"type": "category"}
    )
    return Chart("readers", "Readers: volume, recall rate, PPV and agreement", columns, tuple(rows), figure)
