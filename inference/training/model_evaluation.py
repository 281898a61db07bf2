"""Held-out evaluation for the model card: AUC with bootstrap 95% CI, operating points, band AUCs."""

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from inference.metrics import (
    bootstrap_auc_ci,
    roc_auc,
    sensitivity_specificity,
    threshold_for_sensitivity,
    threshold_for_specificity,
)
from inference.synthetic.lesion_sampling import CONTRAST_BANDS, SIZE_BANDS


class BandedStudy(Protocol):
    """A scored study's truth: lesion present, malignant, and its lesion's bands ("" without one)."""

    @property
    def label(self) -> int: ...
    @property
    def malignant(self) -> int: ...
    @property
    def size_band(self) -> str: ...
    @property
    def contrast_band(self) -> str: ...
    @property
    def kind(self) -> str: ...


# Operating points chosen on the validation split: "high" suspicion keeps 95 % specificity,
# below "low" the model is confident enough to call low suspicion (95 % sensitivity).
HIGH_SPECIFICITY = 0.95
LOW_SENSITIVITY = 0.95


def thresholds_choose(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """The card's recommended operating points on the calibrated probability."""
    high = threshold_for_specificity(labels, probabilities, HIGH_SPECIFICITY)
    low = min(threshold_for_sensitivity(labels, probabilities, LOW_SENSITIVITY), high)
    return {"high": round(high, 6), "low": round(low, 6)}


def _auc_entry(labels: np.ndarray, scores: np.ndarray, seed: int, resamples: int) -> dict[str, Any]:
    auc = roc_auc(labels, scores)
    low, high = bootstrap_auc_ci(labels, scores, seed=seed, resamples=resamples)
    return {"auc": _round(auc), "ci95": [_round(low), _round(high)], "positives": int(labels.sum())}


def _round(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def band_aucs(
    studies: Sequence[BandedStudy], probabilities: np.ndarray, seed: int, resamples: int = 1000
) -> dict[str, Any]:
    """AUC of each band's lesion studies against all lesion-free studies (by size, contrast, kind)."""
    negatives = np.array([s.label == 0 for s in studies])
    result: dict[str, Any] = {}
    groups = {
        "size": (lambda s: s.size_band, SIZE_BANDS),
        "contrast": (lambda s: s.contrast_band, CONTRAST_BANDS),
        "kind": (lambda s: s.kind, tuple(sorted({s.kind for s in studies if s.kind}))),
    }
    for group, (value_of, bands) in groups.items():
        result[group] = {}
        for band in bands:
            members = np.array([s.label == 1 and value_of(s) == band for s in studies])
            keep = members | negatives
            if members.any():
                result[group][band] = _auc_entry(members[keep], probabilities[keep], seed, resamples)
    return result


def _operating_point(labels: np.ndarray, probabilities: np.ndarray, threshold: float) -> dict[str, Any]:
    point = sensitivity_specificity(labels, probabilities, threshold)
    return {
        "threshold": round(threshold, 6),
        "sensitivity": _round(point["sensitivity"]),
        "sensitivity_ci95": [_round(v) for v in point["sensitivity_ci95"]],
        "specificity": _round(point["specificity"]),
        "specificity_ci95": [_round(v) for v in point["specificity_ci95"]],
    }


def test_metrics(
    studies: Sequence[BandedStudy],
    probabilities: np.ndarray,
    thresholds: dict[str, float],
    seed: int,
    resamples: int = 2000,
) -> dict[str, Any]:
    """Study-level figures on the held-out test split."""
    labels = np.array([s.label for s in studies])
    cancers = np.array([s.malignant for s in studies])
    headline = _auc_entry(labels, probabilities, seed, resamples)
    not_benign = np.array([s.malignant == 1 or s.label == 0 for s in studies])
    cancer = _auc_entry(cancers[not_benign], probabilities[not_benign], seed, resamples)
    brier = float(np.mean((probabilities - labels) ** 2))
    return {
        "split": "test",
        "target": "lesion present (a finding that warrants recall)",
        "studies": len(studies),
        "positives": int(labels.sum()),
        "auc": headline["auc"],
        "auc_ci95": headline["ci95"],
        "auc_cancer_vs_lesion_free": cancer["auc"],
        "auc_cancer_vs_lesion_free_ci95": cancer["ci95"],
        "brier_score": round(brier, 4),
        "operating_points": {
            name: _operating_point(labels, probabilities, threshold) for name, threshold in thresholds.items()
        },
    }
