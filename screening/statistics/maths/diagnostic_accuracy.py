"""Accuracy of a binary decision (recall or not; AI score at a threshold) against the truth.

The truth is known for every episode passed in: episodes whose truth is still unknown (follow-up
incomplete) are counted by the caller and left out here, never taken as negatives.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .proportions import LEVEL_95, Proportion, counts_checked, proportion


@dataclass(frozen=True)
class DiagnosticCounts:
    """The 2x2 table of a binary decision against the truth (positive = cancer)."""

    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int

    def __post_init__(self) -> None:
        for count in (self.true_positive, self.false_positive, self.false_negative, self.true_negative):
            counts_checked(count, count)

    @property
    def total(self) -> int:
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative


def paired_booleans(
    first: ArrayLike, second: ArrayLike, names: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Two one-dimensional arrays of 0/1 (or booleans) of the same length, as booleans."""
    arrays = []
    for values, name in zip((first, second), names, strict=True):
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"the {name} is one value per episode (a flat list), not shape {array.shape}")
        if array.size and not np.isin(array, (0, 1)).all():
            raise ValueError(f"the {name} holds only 0/1 or True/False")
        arrays.append(array.astype(bool))
    if len(arrays[0]) != len(arrays[1]):
        raise ValueError(f"{len(arrays[0])} {names[0]} values but {len(arrays[1])} {names[1]} values")
    return arrays[0], arrays[1]


def diagnostic_counts(truth: ArrayLike, decided_positive: ArrayLike) -> DiagnosticCounts:
    """Count the 2x2 table from one truth and one decision per episode."""
    actual, decided = paired_booleans(truth, decided_positive, ("truth", "decision"))
    return DiagnosticCounts(
        true_positive=int((actual & decided).sum()),
        false_positive=int((~actual & decided).sum()),
        false_negative=int((actual & ~decided).sum()),
        true_negative=int((~actual & ~decided).sum()),
    )


def threshold_decisions(scores: ArrayLike, threshold: float) -> np.ndarray:
    """The decision of a score at a campaign's threshold: positive when score >= threshold."""
    values = np.asarray(scores, dtype=np.float64)
    if np.isnan(values).any():
        raise ValueError("a score is missing (NaN): leave unscored episodes out")
    return values >= threshold


@dataclass(frozen=True)
class DiagnosticAccuracy:
    """Sensitivity, specificity and predictive values, each a Proportion with its Wilson interval.

    The operating point on the ROC plane is (false_positive_rate, sensitivity.value).
    """

    counts: DiagnosticCounts
    sensitivity: Proportion  # TP / (TP + FN)
    specificity: Proportion  # TN / (TN + FP)
    positive_predictive_value: Proportion  # TP / (TP + FP): for a recall, the PPV of recall
    negative_predictive_value: Proportion  # TN / (TN + FN)
    positive_rate: Proportion  # (TP + FP) / all: the recall rate of a reading decision

    @property
    def false_positive_rate(self) -> float | None:
        """1 - specificity: the operating point's x coordinate."""
        return None if self.specificity.value is None else 1.0 - self.specificity.value


def diagnostic_accuracy(counts: DiagnosticCounts, *, level: float = LEVEL_95) -> DiagnosticAccuracy:
    """Every accuracy figure of a 2x2 table, with Wilson intervals at `level`."""
    tp, fp, fn, tn = counts.true_positive, counts.false_positive, counts.false_negative, counts.true_negative
    return DiagnosticAccuracy(
        counts=counts,
        sensitivity=proportion(tp, tp + fn, level=level),
        specificity=proportion(tn, tn + fp, level=level),
        positive_predictive_value=proportion(tp, tp + fp, level=level),
        negative_predictive_value=proportion(tn, tn + fn, level=level),
        positive_rate=proportion(tp + fp, counts.total, level=level),
    )


def operating_point(
    truth: ArrayLike, decided_positive: ArrayLike, *, level: float = LEVEL_95
) -> DiagnosticAccuracy:
    """The accuracy of one binary decision per episode (a reader's, the final one, the AI's)."""
    return diagnostic_accuracy(diagnostic_counts(truth, decided_positive), level=level)
