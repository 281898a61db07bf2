"""The Bernoulli CUSUM: its path by hand, its run lengths against a simulation."""

import math

import numpy as np
import pytest

from screening.statistics.maths.cusum import (
    average_run_length,
    cusum_design,
    cusum_path,
    cusum_weights,
    odds_shifted,
)


def test_weights_are_the_log_likelihood_ratios():
    w1, w0 = cusum_weights(0.2, 0.4)
    assert (w1, w0) == (pytest.approx(math.log(2)), pytest.approx(math.log(0.6 / 0.8)))


def test_path_by_hand_resets_at_zero():
    w1, w0 = cusum_weights(0.2, 0.4)
    path, signals = cusum_path(np.array([0, 3, 1]), np.array([5, 5, 2]), 0.2, 0.4)
    first = max(0.0, 5 * w0)
    second = max(0.0, first + 3 * w1 + 2 * w0)
    third = max(0.0, second + w1 + w0)
    assert path.tolist() == pytest.approx([first, second, third])
    assert first == 0.0 and second > 0
    assert not signals.any()


def test_path_signals_at_the_limit_once_the_minimum_is_in_then_restarts():
    events, trials = np.array([3, 3, 3, 0]), np.array([3, 3, 3, 1])
    w1 = math.log(2)
    path, signals = cusum_path(events, trials, 0.2, 0.4, limit=3 * w1, minimum=7)
    assert path[:2].tolist() == pytest.approx([3 * w1, 6 * w1])
    assert signals.tolist() == [False, False, True, False]  # past the limit at once, but 6 < 7 observations
    assert path[3] < path[2]  # restarted from zero after the signal


def test_odds_shift_doubles_the_odds():
    p1 = odds_shifted(0.2, 2.0)
    assert p1 / (1 - p1) == pytest.approx(2 * 0.25)


def _simulated_run_length(p0: float, p1: float, limit: float, rate: float, seed: int) -> float:
    w1, w0 = cusum_weights(p0, p1)
    rng = np.random.default_rng(seed)
    runs = 3000
    statistic, stopped, lengths = np.zeros(runs), np.zeros(runs, dtype=bool), np.zeros(runs)
    step = 0
    while not stopped.all():
        step += 1
        events = rng.random(runs) < rate
        statistic = np.where(stopped, statistic, np.maximum(0.0, statistic + np.where(events, w1, w0)))
        hit = (statistic >= limit) & ~stopped
        lengths[hit], stopped = step, stopped | hit
    return float(lengths.mean())


@pytest.mark.parametrize("p0,odds_ratio", [(0.3, 2.0), (0.8, 0.5)])
def test_design_reaches_the_stated_false_alarm_rate_and_its_delay_matches_a_simulation(p0, odds_ratio):
    p1 = odds_shifted(p0, odds_ratio)
    design = cusum_design(p0, p1, 500.0)
    assert design.arl0 >= 500.0
    assert design.arl1 < design.arl0 / 4
    simulated_in_control = _simulated_run_length(p0, p1, design.limit, p0, seed=1)
    simulated_shifted = _simulated_run_length(p0, p1, design.limit, p1, seed=2)
    assert simulated_in_control == pytest.approx(design.arl0, rel=0.08)
    assert simulated_shifted == pytest.approx(design.arl1, rel=0.08)


def test_a_higher_limit_waits_longer():
    assert average_run_length(0.3, 0.45, 4.0, 0.3) > average_run_length(0.3, 0.45, 3.0, 0.3)


def test_refuses_rates_outside_zero_one():
    with pytest.raises(ValueError):
        cusum_weights(0.0, 0.5)
