"""Calibration of a probability: the reliability diagram, expected calibration error, prior shift.

Reliability diagram and ECE: Naeini, Cooper and Hauskrecht (2015), AAAI; bins as scikit-learn's
calibration_curve (uniform or quantile edges, each bin (lower, upper], the first one closed).
Prior shift: Saerens, Latinne and Decaestecker (2002), Neural Computation 14:21; Bayes' rule with
the class-conditional score distributions held fixed while the prevalence changes.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from .proportions import LEVEL_95, Proportion, proportion


def probabilities_checked(values: ArrayLike) -> np.ndarray:
    """Probabilities as floats, refused outside [0, 1] or missing."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"one probability per episode (a flat list), not shape {array.shape}")
    if np.isnan(array).any() or (array < 0).any() or (array > 1).any():
        raise ValueError("a probability is missing or outside [0, 1]")
    return array


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of the reliability diagram: predicted (mean) against observed (share with cancer)."""

    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed: Proportion  # episodes with cancer / episodes in the bin, with its Wilson interval


def reliability_bins(
    truth: ArrayLike,
    probabilities: ArrayLike,
    *,
    bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
    level: float = LEVEL_95,
) -> list[ReliabilityBin]:
    """The non-empty bins of the reliability diagram, lowest probabilities first."""
    actual = np.asarray(truth)
    predicted = probabilities_checked(probabilities)
    if actual.shape != predicted.shape:
        raise ValueError(f"one truth per probability: shapes {actual.shape} and {predicted.shape}")
    if actual.size and not np.isin(actual, (0, 1)).all():
        raise ValueError("the truth holds only 0/1 or True/False")
    if bins < 1:
        raise ValueError(f"a reliability diagram has at least one bin, not {bins}")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, bins + 1)
    elif strategy == "quantile":
        if predicted.size == 0:
            return []
        edges = np.percentile(predicted, np.linspace(0, 1, bins + 1) * 100)  # as scikit-learn rounds
    else:
        raise ValueError(f"the bins are 'uniform' or 'quantile', not {strategy!r}")
    bin_of = np.searchsorted(edges[1:-1], predicted)
    counts = np.bincount(bin_of, minlength=bins)
    predicted_sums = np.bincount(bin_of, weights=predicted, minlength=bins)
    cancers = np.bincount(bin_of, weights=actual.astype(np.float64), minlength=bins)
    return [
        ReliabilityBin(
            lower=float(edges[index]),
            upper=float(edges[index + 1]),
            count=int(counts[index]),
            mean_predicted=float(predicted_sums[index] / counts[index]),
            observed=proportion(round(cancers[index]), int(counts[index]), level=level),
        )
        for index in range(bins)
        if counts[index]
    ]


def expected_calibration_error(diagram: list[ReliabilityBin]) -> float | None:
    """ECE: the bins' |observed - predicted|, weighted by their share of episodes (None when empty)."""
    total = sum(bin_.count for bin_ in diagram)
    if total == 0:
        return None
    return sum(
        bin_.count / total * abs(float(bin_.observed.value or 0.0) - bin_.mean_predicted) for bin_ in diagram
    )


def prevalence_checked(value: float, name: str) -> float:
    if not 0 < value < 1:
        raise ValueError(f"the {name} is a share strictly between 0 and 1, not {value}")
    return float(value)


def prevalence_recalibrated(
    probabilities: ArrayLike, *, model_prevalence: float, use_prevalence: float
) -> np.ndarray:
    """Probabilities calibrated at `model_prevalence` restated for a population at `use_prevalence`.

    logit(p') = logit(p) + logit(use_prevalence) - logit(model_prevalence); 0 and 1 stay put.
    """
    predicted = probabilities_checked(probabilities)
    before = prevalence_checked(model_prevalence, "model's prevalence")
    after = prevalence_checked(use_prevalence, "prevalence of use")
    cancer_weight, clear_weight = after / before, (1 - after) / (1 - before)
    weighted = predicted * cancer_weight
    return weighted / (weighted + (1 - predicted) * clear_weight)
