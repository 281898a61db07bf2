"""Validation statistics in numpy: ROC AUC, bootstrap and Wilson 95% intervals, operating points."""

from typing import Any

import numpy as np


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties count one half); nan without both classes."""
    labels, scores = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=np.float64)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts, strict=True):
        ranks[order[start : start + count]] = start + (count + 1) / 2
    rank_sum = ranks[labels].sum()
    return float((rank_sum - positives * (positives + 1) / 2) / (positives * negatives))


def bootstrap_auc_ci(
    labels: np.ndarray, scores: np.ndarray, *, resamples: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the AUC, resampling studies with replacement."""
    labels, scores = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=np.float64)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        pick = rng.integers(0, len(labels), len(labels))
        value = roc_auc(labels[pick], scores[pick])
        if not np.isnan(value):
            values.append(value)
    if not values:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, (tail, 100 - tail))
    return float(low), float(high)


def wilson_interval(successes: int, total: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95% interval of a proportion."""
    if total == 0:
        return float("nan"), float("nan")
    share = successes / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return float(centre - half), float(centre + half)


def sensitivity_specificity(
    labels: np.ndarray, probabilities: np.ndarray, threshold: float
) -> dict[str, Any]:
    """Sensitivity and specificity (with Wilson 95% intervals) calling score >= threshold positive."""
    labels = np.asarray(labels, dtype=bool)
    called = np.asarray(probabilities) >= threshold
    true_positive, positives = int((called & labels).sum()), int(labels.sum())
    true_negative, negatives = int((~called & ~labels).sum()), int((~labels).sum())
    return {
        "threshold": float(threshold),
        "sensitivity": true_positive / positives if positives else float("nan"),
        "sensitivity_ci95": list(wilson_interval(true_positive, positives)),
        "specificity": true_negative / negatives if negatives else float("nan"),
        "specificity_ci95": list(wilson_interval(true_negative, negatives)),
    }


def threshold_for_sensitivity(labels: np.ndarray, probabilities: np.ndarray, sensitivity: float) -> float:
    """The highest threshold whose sensitivity is at least the target."""
    positives = np.sort(np.asarray(probabilities)[np.asarray(labels, dtype=bool)])[::-1]
    if len(positives) == 0:
        return 0.5
    needed = int(np.ceil(sensitivity * len(positives)))
    return float(positives[max(needed, 1) - 1])


def threshold_for_specificity(labels: np.ndarray, probabilities: np.ndarray, specificity: float) -> float:
    """The lowest threshold whose specificity is at least the target (just above that negative)."""
    negatives = np.sort(np.asarray(probabilities)[~np.asarray(labels, dtype=bool)])
    if len(negatives) == 0:
        return 0.5
    index = min(int(np.ceil(specificity * len(negatives))), len(negatives)) - 1
    return float(np.nextafter(negatives[max(index, 0)], np.inf))


def prevalence_weights(labels: np.ndarray, prevalence: float) -> np.ndarray:
    """Per-study weights that make a cohort count as if its share of positives were `prevalence`."""
    labels = np.asarray(labels, dtype=bool)
    observed = labels.mean() if len(labels) else 0.0
    if not 0 < observed < 1:
        return np.ones(len(labels))
    return np.where(labels, prevalence / observed, (1 - prevalence) / (1 - observed))


def expected_calibration_error(
    labels: np.ndarray, probabilities: np.ndarray, *, weights: np.ndarray | None = None, bins: int = 10
) -> dict[str, Any]:
    """ECE over equal-width bins (weighted mean |observed - predicted|), with each bin's figures."""
    labels = np.asarray(labels, dtype=np.float64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    weights = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=np.float64)
    index = np.minimum((probabilities * bins).astype(int), bins - 1)
    total, error, table = weights.sum(), 0.0, []
    for b in range(bins):
        members = index == b
        mass = weights[members].sum()
        if mass == 0:
            continue
        predicted = float(np.average(probabilities[members], weights=weights[members]))
        observed = float(np.average(labels[members], weights=weights[members]))
        error += mass / total * abs(observed - predicted)
        table.append(
            {
                "bin": [b / bins, (b + 1) / bins],
                "studies": int(members.sum()),
                "predicted": round(predicted, 4),
                "observed": round(observed, 4),
            }
        )
    return {"ece": round(float(error), 4), "bins": table}
