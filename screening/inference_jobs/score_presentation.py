"""The AI score as a reader sees it: a probability at the campaign's expected prevalence, or plainly
a score on the model's own scale when none is set.

A model's probabilities hold at the prevalence it was calibrated at (its card's, 0.5 for the demo
models), not at a screening round's few percent. With the campaign's expected prevalence set the
score and both thresholds are restated there by prior shift (`inference.study_scoring.prior_shifted`,
Saerens et al. 2002). The band is never recomputed: it was decided on the model's scale against
thresholds on that scale, and the shift is strictly increasing, so the shown score lies on the same
side of the shown thresholds as the stored one did of the stored thresholds.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inference.study_scoring import prior_shifted


@dataclass(frozen=True)
class ShownScore:
    """The score and thresholds to show, and at which prevalence (None: not a probability)."""

    score: float
    high_threshold: float
    low_threshold: float
    prevalence: float | None
    calibrated_at: float | None
    sides: tuple[tuple[str, float], ...] = ()  # per-breast scores, right then left, on the same scale

    @property
    def is_probability(self) -> bool:
        return self.prevalence is not None


def score_shown(
    *,
    score: float,
    high: float,
    low: float,
    calibrated_at: float | None,
    prevalence: float | None,
    sides: Sequence[tuple[str, float]] = (),
) -> ShownScore:
    """Score and thresholds at the campaign's prevalence, or as stored when it (or the model's) is unknown."""
    if prevalence is None or calibrated_at is None:
        return ShownScore(score, high, low, None, calibrated_at, tuple(sides))
    values = [score, high, low, *(value for _, value in sides)]
    shifted = [
        float(v) for v in prior_shifted(np.array(values), calibrated_at=calibrated_at, prevalence=prevalence)
    ]
    shifted_sides = tuple((side, value) for (side, _), value in zip(sides, shifted[3:], strict=True))
    return ShownScore(shifted[0], shifted[1], shifted[2], prevalence, calibrated_at, shifted_sides)
