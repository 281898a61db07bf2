"""The what-if curve: a policy's recall rate, sensitivity, specificity and reads per 1 000 over its
threshold, with the chosen point; built from its table's rows like every statistics chart."""

import numpy as np
import plotly.graph_objects as go

from screening.policies.policy_figures import ReplayFigures
from screening.policies.policy_replay import History, Policy, policy_curve
from screening.statistics.dashboard_charts import Chart, drawn, figure_json

THRESHOLD_LABELS = {
    "ai_threshold": "AI second-reader threshold t",
    "triage_below": "Triage threshold t1",
    "safety_net_at": "Safety-net threshold t2",
}
MEASURES = (
    ("Recall rate %", "#1d4f91"),
    ("Sensitivity %", "#8a3b12"),
    ("Specificity %", "#6b8e23"),
)


def _cell(value: float) -> float | str:
    return "" if np.isnan(value) else round(float(value), 1)


def curve_chart(
    history: History, policy: Policy, varied: str, thresholds: np.ndarray, chosen: ReplayFigures
) -> Chart:
    """The sweep of `varied` over `thresholds` (figures on the whole history), the chosen point marked."""
    curve = policy_curve(history, policy, varied, thresholds)
    label = THRESHOLD_LABELS[varied]
    columns = (label, *(name for name, _ in MEASURES), "Reads per 1 000")
    rows = tuple(
        (round(float(t), 2), _cell(recall), _cell(sens), _cell(spec), _cell(reads))
        for t, recall, sens, spec, reads in zip(
            curve.thresholds,
            curve.recall_rate,
            curve.sensitivity,
            curve.specificity,
            curve.reads_per_thousand,
            strict=True,
        )
    )
    traces = [
        go.Scatter(
            x=[row[0] for row in rows],
            y=[drawn(row[1 + index]) for row in rows],
            name=name,
            mode="lines",
            line={"color": colour},
        )
        for index, (name, colour) in enumerate(MEASURES)
    ]
    traces.append(
        go.Scatter(
            x=[row[0] for row in rows],
            y=[drawn(row[4]) for row in rows],
            name="Reads per 1 000",
            mode="lines",
            line={"color": "#555555", "dash": "dot"},
            yaxis="y2",
        )
    )
    at = getattr(policy, varied)
    chosen_values = (chosen.recall_rate.value, chosen.sensitivity.value, chosen.specificity.value)
    traces.append(
        go.Scatter(
            x=[at] * len(chosen_values),
            y=list(chosen_values),
            name=f"Chosen point ({label} = {at:g})",
            mode="markers",
            marker={"color": "#000000", "size": 10, "symbol": "diamond"},
        )
    )
    figure = figure_json(
        traces,
        xaxis={"title": {"text": label}, "range": [0, 1]},
        yaxis={"title": {"text": "%"}, "range": [0, 100]},
        yaxis2={
            "title": {"text": "Reads per 1 000"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
        },
        height=380,
    )
    return Chart("curve", f"What-if over the {label.lower()}", columns, rows, figure)
