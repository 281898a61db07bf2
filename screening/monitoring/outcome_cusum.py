"""CUSUM charts of the AI against its card once truth is known: the recall-flag rate (both ways),
PPV and sensitivity (down), per model version and site, week by week (maths in
screening/statistics/maths/cusum.py). A chart is tuned to the in-control run length
MONITORING_CUSUM_ARL0 and to catch an odds ratio of 2 (0.5 downwards); it restarts from zero after a
signal, and signals only once its observations reach the chart's minimum."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.conf import settings

from screening.monitoring.card_baselines import CardBaseline
from screening.monitoring.drift_figures import Finding
from screening.monitoring.models import AlertKind, OutcomeWeek
from screening.statistics.maths.cusum import CusumDesign, cusum_design, cusum_path, odds_shifted

ODDS_RATIO = 2.0


@dataclass(frozen=True)
class ChartSpec:
    kind: str
    title: str
    odds_ratio: float
    minimum: int


CHARTS = (
    ChartSpec(AlertKind.FLAG_RATE_UP, "Recall-flag rate up", ODDS_RATIO, 100),
    ChartSpec(AlertKind.FLAG_RATE_DOWN, "Recall-flag rate down", 1 / ODDS_RATIO, 100),
    ChartSpec(AlertKind.PPV_DOWN, "PPV down", 1 / ODDS_RATIO, 30),
    ChartSpec(AlertKind.SENSITIVITY_DOWN, "Sensitivity down", 1 / ODDS_RATIO, 10),
)


@dataclass(frozen=True)
class CusumChart:
    """One chart of one model version at one site: its design, and per week the observations, events,
    the statistic (after any restart) and whether it signalled."""

    spec: ChartSpec
    design: CusumDesign
    weeks: tuple[date, ...]
    trials: tuple[int, ...]
    events: tuple[int, ...]
    statistic: tuple[float, ...]
    signals: tuple[bool, ...]
    observed: int  # all observations so far
    weekly_mean: float  # observations a week, for the delay in weeks

    @property
    def delay_weeks(self) -> float | None:
        return self.design.arl1 / self.weekly_mean if self.weekly_mean else None


def _card_rate(kind: str, baseline: CardBaseline) -> float | None:
    if kind in (AlertKind.FLAG_RATE_UP, AlertKind.FLAG_RATE_DOWN):
        return baseline.flag_rate
    return baseline.ppv if kind == AlertKind.PPV_DOWN else baseline.sensitivity


def _observations(kind: str, week: OutcomeWeek) -> tuple[int, int]:
    """(trials, events) of a week for a chart."""
    if kind in (AlertKind.FLAG_RATE_UP, AlertKind.FLAG_RATE_DOWN):
        return week.episodes, week.flagged
    if kind == AlertKind.PPV_DOWN:
        return week.flagged, week.flagged_cancers
    return week.cancers, week.flagged_cancers


def cusum_charts(weeks: Iterable[OutcomeWeek], baseline: CardBaseline | None) -> list[CusumChart]:
    """The charts a card allows (it needs the rate the chart compares with)."""
    ordered = sorted(weeks, key=lambda w: w.week)
    if baseline is None or not ordered:
        return []
    charts = []
    for spec in CHARTS:
        p0 = _card_rate(spec.kind, baseline)
        if p0 is None or not 0 < p0 < 1:
            continue
        design = cusum_design(
            round(p0, 4),
            round(odds_shifted(round(p0, 4), spec.odds_ratio), 4),
            settings.MONITORING_CUSUM_ARL0,
        )
        counted = [_observations(spec.kind, week) for week in ordered]
        trials, events = [n for n, _ in counted], [x for _, x in counted]
        path, signals = cusum_path(
            np.array(events), np.array(trials), design.p0, design.p1, limit=design.limit, minimum=spec.minimum
        )
        charts.append(
            CusumChart(
                spec=spec,
                design=design,
                weeks=tuple(w.week for w in ordered),
                trials=tuple(trials),
                events=tuple(events),
                statistic=tuple(float(s) for s in path),
                signals=tuple(bool(s) for s in signals),
                observed=int(np.sum(trials)),
                weekly_mean=float(np.mean(trials)) if trials else 0.0,
            )
        )
    return charts


def cusum_findings(model_key: str, site: str, charts: list[CusumChart]) -> list[Finding]:
    """Every week a chart signalled."""
    findings = []
    for chart in charts:
        for index, signal in enumerate(chart.signals):
            if not signal:
                continue
            seen = int(sum(chart.trials[: index + 1]))
            detail = (
                f"{chart.spec.title}: card {chart.design.p0:.3f}, tuned to catch {chart.design.p1:.3f}; "
                f"ARL0 {chart.design.arl0:.0f}, expected delay {chart.design.arl1:.0f} observations"
            )
            findings.append(
                Finding(
                    chart.spec.kind,
                    model_key,
                    site,
                    "",
                    chart.weeks[index],
                    chart.statistic[index],
                    chart.design.limit,
                    seen,
                    detail,
                )
            )
    return findings
