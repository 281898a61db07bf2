"""ROC curve and AUC of a score, with DeLong's 95% interval by the fast midrank algorithm.

DeLong, DeLong and Clarke-Pearson (1988), Biometrics 44:837; the O(n log n) computation by midranks
is Sun and Xu (2014), IEEE Signal Processing Letters 21:1389.
"""

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .proportions import LEVEL_95, normal_quantile_two_sided


def midranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of `values`, ties sharing the mean of the ranks they span (O(n log n))."""
    order = np.argsort(values, kind="mergesort")
    _, first, inverse, counts = np.unique(
        values[order], return_index=True, return_inverse=True, return_counts=True
    )
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = (first + (counts + 1) / 2)[inverse]
    return ranks


def labelled_scores(truth: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Truth as booleans and scores as floats, one each per episode, checked."""
    actual, values = np.asarray(truth), np.asarray(scores, dtype=np.float64)
    if actual.ndim != 1 or values.ndim != 1 or len(actual) != len(values):
        raise ValueError(f"one truth and one score per episode: shapes {actual.shape} and {values.shape}")
    if actual.size and not np.isin(actual, (0, 1)).all():
        raise ValueError("the truth holds only 0/1 or True/False")
    if not np.isfinite(values).all():
        raise ValueError("a score is missing or infinite: leave unscored episodes out")
    return actual.astype(bool), values


@dataclass(frozen=True)
class AucEstimate:
    """AUC with DeLong's standard error and normal interval (clipped to [0, 1]).

    auc is None without both a positive and a negative; the error and interval are None with fewer
    than two of either (their variance needs two).
    """

    auc: float | None
    standard_error: float | None
    low: float | None
    high: float | None
    positives: int
    negatives: int
    level: float = LEVEL_95


def delong_auc(truth: ArrayLike, scores: ArrayLike, *, level: float = LEVEL_95) -> AucEstimate:
    """AUC of `scores` for `truth` (ties count one half) and its DeLong interval at `level`."""
    actual, values = labelled_scores(truth, scores)
    positive_scores, negative_scores = values[actual], values[~actual]
    m, n = len(positive_scores), len(negative_scores)
    if m == 0 or n == 0:
        return AucEstimate(None, None, None, None, m, n, level)
    combined = midranks(np.concatenate([positive_scores, negative_scores]))
    # How many negatives each positive outscores, and how many positives outscore each negative.
    placements_positive = (combined[:m] - midranks(positive_scores)) / n
    placements_negative = 1.0 - (combined[m:] - midranks(negative_scores)) / m
    auc = float(placements_positive.mean())
    if m < 2 or n < 2:
        return AucEstimate(auc, None, None, None, m, n, level)
    variance = placements_positive.var(ddof=1) / m + placements_negative.var(ddof=1) / n
    error = float(np.sqrt(variance))
    z = normal_quantile_two_sided(level)
    return AucEstimate(auc, error, max(0.0, auc - z * error), min(1.0, auc + z * error), m, n, level)


@dataclass(frozen=True)
class RocCurve:
    """Points of the ROC curve from (0, 0) to (1, 1); thresholds[i] gives point i (score >= it).

    The first threshold is +inf (nothing called positive), as in scikit-learn's roc_curve.
    """

    false_positive_rate: np.ndarray
    true_positive_rate: np.ndarray
    thresholds: np.ndarray


def roc_curve_points(truth: ArrayLike, scores: ArrayLike, *, drop_intermediate: bool = True) -> RocCurve:
    """The ROC curve at every distinct score; with drop_intermediate, only its corners (for drawing)."""
    actual, values = labelled_scores(truth, scores)
    positives, negatives = int(actual.sum()), int((~actual).sum())
    if positives == 0 or negatives == 0:
        raise ValueError("an ROC curve needs at least one positive and one negative episode")
    order = np.argsort(values, kind="mergesort")[::-1]
    sorted_values, sorted_truth = values[order], actual[order]
    # The last episode of each run of equal scores closes that threshold's point.
    ends = np.r_[np.flatnonzero(np.diff(sorted_values)), len(sorted_values) - 1]
    true_positives = np.cumsum(sorted_truth)[ends]
    false_positives = ends + 1 - true_positives
    thresholds = sorted_values[ends]
    if drop_intermediate and len(ends) > 2:
        # A point on the straight line between its neighbours adds nothing to the drawing.
        corner = np.logical_or(np.diff(false_positives, 2), np.diff(true_positives, 2))
        keep = np.flatnonzero(np.r_[True, corner, True])
        true_positives, false_positives, thresholds = (
            true_positives[keep],
            false_positives[keep],
            thresholds[keep],
        )
    return RocCurve(
        false_positive_rate=np.r_[0, false_positives] / negatives,
        true_positive_rate=np.r_[0, true_positives] / positives,
        thresholds=np.r_[np.inf, thresholds],
    )


def _placements(positive_scores: np.ndarray, negative_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's structural components: each positive's share of negatives it outscores, and each
    negative's share of positives that outscore it (ties one half)."""
    m, n = len(positive_scores), len(negative_scores)
    combined = midranks(np.concatenate([positive_scores, negative_scores]))
    return (combined[:m] - midranks(positive_scores)) / n, 1.0 - (
        combined[m:] - midranks(negative_scores)
    ) / m


@dataclass(frozen=True)
class PairedAucDifference:
    """Two scores' AUCs on the same episodes, and the second's minus the first's with DeLong's
    standard error for correlated ROC curves, its normal interval and two-sided p-value.

    Everything is None without both a positive and a negative; the error, interval and p-value are
    None with fewer than two of either. With a zero standard error (the scores rank the episodes
    alike) the interval is the difference itself and the p-value None.
    """

    first_auc: float | None
    second_auc: float | None
    difference: float | None
    standard_error: float | None
    low: float | None
    high: float | None
    p_value: float | None
    positives: int
    negatives: int
    level: float = LEVEL_95


def delong_paired_difference(
    truth: ArrayLike, first_scores: ArrayLike, second_scores: ArrayLike, *, level: float = LEVEL_95
) -> PairedAucDifference:
    """AUC(second) - AUC(first) on the same episodes, with DeLong, DeLong and Clarke-Pearson's (1988)
    variance of the difference of correlated AUCs (the covariance of the placements)."""
    actual, first = labelled_scores(truth, first_scores)
    _, second = labelled_scores(truth, second_scores)
    m, n = int(actual.sum()), int((~actual).sum())
    if m == 0 or n == 0:
        return PairedAucDifference(None, None, None, None, None, None, None, m, n, level)
    first_pos, first_neg = _placements(first[actual], first[~actual])
    second_pos, second_neg = _placements(second[actual], second[~actual])
    first_auc, second_auc = float(first_pos.mean()), float(second_pos.mean())
    difference = second_auc - first_auc
    if m < 2 or n < 2:
        return PairedAucDifference(first_auc, second_auc, difference, None, None, None, None, m, n, level)
    # Var(A2 - A1) = Var(A1) + Var(A2) - 2 Cov(A1, A2), each from the placements' covariance.
    on_positives = np.cov(np.vstack([first_pos, second_pos]), ddof=1)
    on_negatives = np.cov(np.vstack([first_neg, second_neg]), ddof=1)
    contrast = np.array([-1.0, 1.0])
    variance = float(contrast @ on_positives @ contrast / m + contrast @ on_negatives @ contrast / n)
    error = float(np.sqrt(max(variance, 0.0)))
    z = normal_quantile_two_sided(level)
    if error == 0.0:
        return PairedAucDifference(
            first_auc, second_auc, difference, 0.0, difference, difference, None, m, n, level
        )
    p_value = math.erfc(abs(difference) / error / math.sqrt(2.0))
    return PairedAucDifference(
        first_auc,
        second_auc,
        difference,
        error,
        max(-1.0, difference - z * error),
        min(1.0, difference + z * error),
        p_value,
        m,
        n,
        level,
    )
