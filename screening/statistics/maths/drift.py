"""Distribution drift between a baseline and a current sample, from binned counts: the population
stability index (PSI), the two-sample Kolmogorov-Smirnov statistic, and Pearson's chi-square over
categories. Cut-offs and sources: docs/monitoring.md.
"""

import math
from collections.abc import Sequence

import numpy as np

# The common PSI reading (Siddiqi 2006, "Credit Risk Scorecards", ch. 8; Yurdakul 2018):
# below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a major one.
# Counts per bin or category: a list or a numpy array.
Counts = Sequence[float] | np.ndarray

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
# A bin empty on one side would make ln(a / e) infinite: such shares are floored (the usual fix).
SHARE_FLOOR = 1e-4


class DriftLevel:
    STABLE = "stable"
    MODERATE = "moderate"
    MAJOR = "major"


def psi_level(psi: float) -> str:
    """Stable (< 0.1), moderate (0.1 to 0.25) or major (> 0.25)."""
    if psi < PSI_MODERATE:
        return DriftLevel.STABLE
    return DriftLevel.MODERATE if psi <= PSI_MAJOR else DriftLevel.MAJOR


def _shares(counts: Counts) -> np.ndarray:
    values = np.asarray(counts, dtype=np.float64)
    if values.ndim != 1 or (values < 0).any():
        raise ValueError("counts are one row of numbers >= 0")
    total = values.sum()
    if total <= 0:
        raise ValueError("a distribution of nothing has no shares (the counts sum to 0)")
    return values / total


def population_stability_index(expected: Counts, actual: Counts) -> float:
    """PSI = sum over bins of (a - e) * ln(a / e), shares floored at SHARE_FLOOR."""
    if len(expected) != len(actual):
        raise ValueError("both distributions need the same bins")
    e = np.maximum(_shares(expected), SHARE_FLOOR)
    a = np.maximum(_shares(actual), SHARE_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def bins_grouped(baseline: Counts, groups: int = 10) -> np.ndarray:
    """Each fine bin's group: contiguous bins merged to about 1/groups of the baseline each.

    PSI over many sparse bins mostly measures noise; grouping the baseline into near-deciles (the
    usual scorecard practice) keeps every group populated.
    """
    cumulative = np.cumsum(_shares(baseline))
    # A bin belongs to the decile its cumulative share closes; the last bin closes the last group.
    group = np.minimum(np.ceil(cumulative * groups - 1e-9).astype(np.int64) - 1, groups - 1)
    group = np.maximum(group, 0)
    # Renumber the groups that occur, in order, so no group is empty.
    _, renumbered = np.unique(group, return_inverse=True)
    return np.asarray(renumbered, dtype=np.int64)


def counts_grouped(counts: Counts, groups: np.ndarray) -> np.ndarray:
    """Fine-bin counts summed per group (bins_grouped)."""
    return np.bincount(groups, weights=np.asarray(counts, dtype=np.float64), minlength=int(groups.max()) + 1)


def ks_statistic_binned(expected: Counts, actual: Counts) -> float:
    """The largest gap between the two empirical CDFs at the bins' upper edges.

    Equal to the two-sample KS statistic when every value lies on a bin (at the bins' resolution
    otherwise: never larger than the exact statistic).
    """
    if len(expected) != len(actual):
        raise ValueError("both distributions need the same bins")
    return float(np.max(np.abs(np.cumsum(_shares(expected)) - np.cumsum(_shares(actual)))))


def ks_statistic(first: Counts, second: Counts) -> float:
    """The exact two-sample KS statistic of two samples of values."""
    a, b = np.sort(np.asarray(first, dtype=np.float64)), np.sort(np.asarray(second, dtype=np.float64))
    if not len(a) or not len(b):
        raise ValueError("both samples need at least one value")
    points = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, points, side="right") / len(a)
    cdf_b = np.searchsorted(b, points, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def kolmogorov_survival(x: float) -> float:
    """P(K > x) for the Kolmogorov distribution: 2 * sum_k (-1)^(k-1) exp(-2 k^2 x^2)."""
    if x <= 0:
        return 1.0
    if x < 0.2:
        return 1.0  # the alternating series converges slowly there; the value is 1 to 1e-15
    total = sum((-1) ** (k - 1) * math.exp(-2 * k * k * x * x) for k in range(1, 101))
    return float(min(1.0, max(0.0, 2 * total)))


def ks_p_value(statistic: float, n_first: int, n_second: int) -> float:
    """The asymptotic two-sample p-value: P(K > D * sqrt(n m / (n + m)))."""
    if n_first < 1 or n_second < 1:
        raise ValueError("both samples need at least one value")
    return kolmogorov_survival(statistic * math.sqrt(n_first * n_second / (n_first + n_second)))


def _gamma_upper_regularized(shape: float, x: float) -> float:
    """Q(a, x) = Gamma(a, x) / Gamma(a): a series below a + 1, else a continued fraction (NR 6.2)."""
    if x <= 0:
        return 1.0
    log_prefix = -x + shape * math.log(x) - math.lgamma(shape)
    if x < shape + 1:
        term = total = 1.0 / shape
        a = shape
        for _ in range(1000):
            a += 1
            term *= x / a
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefix))
    tiny = 1e-300
    b = x + 1 - shape
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - shape)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(log_prefix) * h


def chi_square_survival(statistic: float, degrees: int) -> float:
    """P(X > statistic) for a chi-square with `degrees` degrees of freedom."""
    if degrees < 1:
        raise ValueError("a chi-square needs at least one degree of freedom")
    return _gamma_upper_regularized(degrees / 2, statistic / 2)


def chi_square_two_samples(expected: Counts, actual: Counts) -> tuple[float, int, float]:
    """Pearson's chi-square of a 2 x k table (baseline and current counts per category): statistic,
    degrees of freedom and p-value; categories empty on both sides are left out."""
    table = np.array([expected, actual], dtype=np.float64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) <= 0).any():
        return 0.0, 0, 1.0
    fitted = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = float(np.sum((table - fitted) ** 2 / fitted))
    degrees = table.shape[1] - 1
    return statistic, degrees, chi_square_survival(statistic, degrees)
