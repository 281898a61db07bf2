"""The Bernoulli CUSUM (Reynolds and Stoumbos 1999; Steiner, Cook, Farewell 1999): a running
log-likelihood ratio of "the rate is now p1" against "it is still p0", reset at zero, that signals
at a limit h chosen for a stated in-control average run length (ARL0, the mean number of
observations between false alarms). The ARL of a limit comes from the Markov chain of the
discretised statistic (Brook and Evans 1972). docs/monitoring.md explains the use.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np

# Steps of the statistic per smallest weight: finer is closer to the continuous chart, coarser cheaper.
RESOLUTION = 20
MAX_STATES = 1500


@dataclass(frozen=True)
class CusumDesign:
    """A chart's in-control rate, the shifted rate it is tuned to catch, its limit and run lengths."""

    p0: float
    p1: float
    limit: float  # h, in log-likelihood units
    arl0: float  # mean observations to a false alarm at p0
    arl1: float  # mean observations to a signal once the rate is p1 (the expected detection delay)


def cusum_weights(p0: float, p1: float) -> tuple[float, float]:
    """The log-likelihood ratio an event (w1) and a non-event (w0) add."""
    if not (0 < p0 < 1 and 0 < p1 < 1) or p0 == p1:
        raise ValueError(f"the rates lie strictly between 0 and 1 and differ, not {p0}, {p1}")
    return math.log(p1 / p0), math.log((1 - p1) / (1 - p0))


def odds_shifted(p0: float, odds_ratio: float) -> float:
    """The rate whose odds are odds_ratio times p0's (the shift a chart is tuned to catch)."""
    odds = p0 / (1 - p0) * odds_ratio
    return odds / (1 + odds)


def cusum_path(
    events: np.ndarray, trials: np.ndarray, p0: float, p1: float, *, limit: float = math.inf, minimum: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The statistic after each period of `trials` observations with `events` events, and whether it
    signalled: at or above `limit` once `minimum` observations are in; it restarts from zero after.

    A period adds its events' weights at once, S = max(0, S + x w1 + (n - x) w0): it never exceeds
    the chart updated one observation at a time (which resets at every zero it meets), so it raises
    no more false alarms than the ARL0 its limit was chosen for.
    """
    w1, w0 = cusum_weights(p0, p1)
    events, trials = np.asarray(events, dtype=np.float64), np.asarray(trials, dtype=np.float64)
    if events.shape != trials.shape or (events > trials).any() or (events < 0).any():
        raise ValueError("events are counts out of their period's trials")
    path, signals = np.empty(len(events)), np.zeros(len(events), dtype=bool)
    statistic, seen = 0.0, 0.0
    for index, (x, n) in enumerate(zip(events, trials, strict=True)):
        statistic = max(0.0, statistic + x * w1 + (n - x) * w0)
        seen += n
        path[index] = statistic
        if statistic >= limit and seen >= minimum:
            signals[index], statistic = True, 0.0
    return path, signals


def _steps(p0: float, p1: float, limit: float) -> tuple[int, int, int]:
    """The weights as whole steps of the grid and the number of states below the limit."""
    w1, w0 = cusum_weights(p0, p1)
    step = max(min(abs(w1), abs(w0)) / RESOLUTION, limit / MAX_STATES)
    return round(w1 / step), round(w0 / step), max(1, math.ceil(limit / step))


def average_run_length(p0: float, p1: float, limit: float, rate: float) -> float:
    """Mean observations from zero to a signal when events occur at `rate` (Brook-Evans chain)."""
    up, down, states = _steps(p0, p1, limit)
    transitions = np.zeros((states, states))
    for state in range(states):
        for move, probability in ((up, rate), (down, 1 - rate)):
            target = max(0, state + move)
            if target < states:
                transitions[state, target] += probability
    run_lengths = np.linalg.solve(np.eye(states) - transitions, np.ones(states))
    return float(run_lengths[0])


@functools.lru_cache(maxsize=256)
def cusum_design(p0: float, p1: float, arl0: float) -> CusumDesign:
    """The smallest limit whose in-control ARL reaches arl0, with the ARL at p1 (bisection)."""
    if arl0 <= 1:
        raise ValueError("the in-control run length is more than one observation")
    low, high = 0.0, max(abs(w) for w in cusum_weights(p0, p1))
    while average_run_length(p0, p1, high, p0) < arl0:
        low, high = high, high * 2
    for _ in range(30):
        middle = (low + high) / 2
        if average_run_length(p0, p1, middle, p0) < arl0:
            low = middle
        else:
            high = middle
        if high - low < 1e-3 * high:
            break
    return CusumDesign(
        p0=p0,
        p1=p1,
        limit=high,
        arl0=average_run_length(p0, p1, high, p0),
        arl1=average_run_length(p0, p1, high, p1),
    )
