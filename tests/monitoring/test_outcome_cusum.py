"""Outcome CUSUM charts against the card: a degraded model signals, an unchanged one does not (false
alarms counted over seeds), and nothing signals before the chart's minimum sample size."""

from datetime import date, timedelta

import numpy as np
import pytest

from screening.monitoring.card_baselines import CardBaseline
from screening.monitoring.models import AlertKind, OutcomeWeek
from screening.monitoring.outcome_cusum import cusum_charts, cusum_findings

CARD = CardBaseline(
    model_key="m:1", high_threshold=0.4, counts=(), prevalence=0.2, sensitivity=0.8, specificity=0.95
)


def _weeks(seed: int, weeks: int, per_week: int, sensitivity: float, specificity: float) -> list[OutcomeWeek]:
    """Weekly settled episodes at the card's prevalence, flagged as a model of this accuracy would."""
    rng = np.random.default_rng(seed)
    rows = []
    for index in range(weeks):
        cancers = rng.binomial(per_week, CARD.prevalence)
        flagged_cancers = rng.binomial(cancers, sensitivity)
        flagged_others = rng.binomial(per_week - cancers, 1 - specificity)
        rows.append(
            OutcomeWeek(
                model_key="m:1",
                site="Leeds",
                week=date(2026, 1, 5) + timedelta(weeks=index),
                episodes=per_week,
                flagged=flagged_cancers + flagged_others,
                cancers=cancers,
                flagged_cancers=flagged_cancers,
            )
        )
    return rows


def _signalled(rows: list[OutcomeWeek]) -> set[str]:
    return {finding.kind for finding in cusum_findings("m:1", "Leeds", cusum_charts(rows, CARD))}


def test_the_card_rates_follow_from_its_operating_point():
    assert CARD.flag_rate == pytest.approx(0.2 * 0.8 + 0.8 * 0.05)
    assert CARD.ppv == pytest.approx(0.16 / 0.2)


def test_an_unchanged_model_raises_no_alarm_over_seeds(settings):
    settings.MONITORING_CUSUM_ARL0 = 5000
    false_alarms = sum(len(_signalled(_weeks(seed, 20, 50, 0.8, 0.95))) for seed in range(10))
    # 10 seeds x 1 000 episodes per chart, at an ARL0 of 5 000: about 0.2 expected per chart kind.
    assert false_alarms <= 2, f"{false_alarms} false alarms"


def test_a_degraded_model_signals_on_sensitivity_and_the_flag_rate(settings):
    settings.MONITORING_CUSUM_ARL0 = 5000
    caught = [_signalled(_weeks(seed, 20, 50, 0.45, 0.95)) for seed in range(5)]
    assert all(AlertKind.SENSITIVITY_DOWN in kinds for kinds in caught)
    assert sum(AlertKind.FLAG_RATE_DOWN in kinds for kinds in caught) >= 3


def test_no_signal_before_the_minimum_sample_even_far_past_the_limit(settings):
    settings.MONITORING_CUSUM_ARL0 = 50
    rows = _weeks(1, 1, 8, 0.0, 0.95)  # a handful of episodes, cancers all missed
    charts = {chart.spec.kind: chart for chart in cusum_charts(rows, CARD)}
    sensitivity = charts[AlertKind.SENSITIVITY_DOWN]
    assert sensitivity.observed < sensitivity.spec.minimum
    assert not any(sensitivity.signals)


def test_the_design_prints_a_delay_in_weeks_at_the_sites_pace(settings):
    settings.MONITORING_CUSUM_ARL0 = 5000
    chart = next(
        c for c in cusum_charts(_weeks(2, 10, 50, 0.8, 0.95), CARD) if c.spec.kind == AlertKind.FLAG_RATE_UP
    )
    assert chart.design.arl0 >= 5000
    assert chart.delay_weeks == pytest.approx(chart.design.arl1 / 50)
