"""From image logits to breast/study logits, and logits to calibrated probabilities.

Mammography: a breast's logit is the mean of its views' logits (a lesion shows in both CC and
MLO, so agreeing views add up while a single-view artefact is halved); the study's logit is the
higher of the two breasts. CT: the study's logit is the mean of the top-k slice logits (a nodule
spans a few slices; one noisy slice alone does not make a study suspicious).
"""

from collections.abc import Sequence

import numpy as np

DEFAULT_TOP_SLICES = 3


def breast_logits(sides: Sequence[str], logits: np.ndarray) -> dict[str, float]:
    """Mean view logit per side ("R"/"L")."""
    by_side: dict[str, list[float]] = {}
    for side, logit in zip(sides, logits, strict=True):
        by_side.setdefault(side, []).append(float(logit))
    return {side: float(np.mean(values)) for side, values in sorted(by_side.items())}


def mammography_study_logit(side_logits: dict[str, float]) -> float:
    """The more suspicious breast decides."""
    return max(side_logits.values())


def ct_study_logit(slice_logits: np.ndarray, top_slices: int = DEFAULT_TOP_SLICES) -> float:
    """Mean of the top_slices highest slice logits."""
    k = max(1, min(top_slices, len(slice_logits)))
    return float(np.sort(np.asarray(slice_logits, dtype=np.float64))[-k:].mean())


def calibrated(logits: np.ndarray | float, temperature: float) -> np.ndarray:
    """Temperature-scaled sigmoid: the calibrated probability."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(scaled, -60, 60))))


def prior_shifted(
    probabilities: np.ndarray | float, *, calibrated_at: float, prevalence: float
) -> np.ndarray:
    """Probabilities calibrated at one prevalence restated at another (prior shift, Saerens et al. 2002).

    logit(p') = logit(p) + logit(prevalence) - logit(calibrated_at): the class-conditional score
    distributions stay, only the prior changes. The map is strictly increasing, so a threshold t on
    the card's scale becomes prior_shifted(t) on the shifted one and no study changes side of it.
    """
    for value in (calibrated_at, prevalence):
        if not 0 < value < 1:
            raise ValueError(f"A prevalence is a share strictly between 0 and 1, not {value}")
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, 1.0)
    positive = p * (prevalence / calibrated_at)
    negative = (1 - p) * ((1 - prevalence) / (1 - calibrated_at))
    return np.asarray(positive / (positive + negative))
