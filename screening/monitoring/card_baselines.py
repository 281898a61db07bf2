"""What monitoring compares with, from each model card in the registry: the validation score
histogram, the high threshold, and the card's recall-flag rate, PPV and sensitivity at it."""

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from django.conf import settings

from inference.training.score_baseline import SCORE_BINS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardBaseline:
    """One model version's reference figures; `counts` is empty on a card without a score baseline."""

    model_key: str
    high_threshold: float
    counts: tuple[int, ...]
    prevalence: float | None
    sensitivity: float | None
    specificity: float | None

    @property
    def has_scores(self) -> bool:
        return len(self.counts) == SCORE_BINS and sum(self.counts) > 0

    @property
    def flag_rate(self) -> float | None:
        """The share flagged high at the baseline's prevalence: p sens + (1 - p)(1 - spec)."""
        if None in (self.prevalence, self.sensitivity, self.specificity):
            return None
        p, sens, spec = self.prevalence, self.sensitivity, self.specificity
        return p * sens + (1 - p) * (1 - spec)  # type: ignore[operator]

    @property
    def ppv(self) -> float | None:
        rate = self.flag_rate
        if not rate or self.prevalence is None or self.sensitivity is None:
            return None
        return self.prevalence * self.sensitivity / rate


@functools.lru_cache(maxsize=8)
def _baselines(root: str) -> Mapping[str, CardBaseline]:
    """Read once per root and shared by every caller (so read-only)."""
    from inference.registry import ModelRegistryError, registry_scan

    try:
        cards = registry_scan(Path(root))
    except (ModelRegistryError, OSError) as error:
        logger.warning("No model cards for monitoring: %s", error)
        return MappingProxyType({})
    baselines = {}
    for card in cards:
        baseline = card.score_baseline or {}
        high = card.metrics.get("operating_points", {}).get("high", {})
        cohort = baseline.get("cohort", {})
        baselines[card.key] = CardBaseline(
            model_key=card.key,
            high_threshold=float(card.thresholds["high"]),
            counts=tuple(int(c) for c in baseline.get("counts", ())),
            prevalence=cohort.get("prevalence"),
            sensitivity=high.get("sensitivity"),
            specificity=high.get("specificity"),
        )
    return MappingProxyType(baselines)


def card_baselines() -> Mapping[str, CardBaseline]:
    """Every registered model version's baseline, by "name:version" (read once per model root)."""
    return _baselines(str(settings.INFERENCE_MODEL_ROOT))
