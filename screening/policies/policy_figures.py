"""A replay's figures with their 95% intervals, disclosed as on every auditor page: recall rate,
cancer detection rate per 1 000, sensitivity, specificity and reader workload (reads per 1 000)."""

import math
from dataclasses import asdict, dataclass
from typing import Any

from screening.policies.policy_replay import ReplayCounts
from screening.statistics.maths.disclosure import DisclosedProportion, count_is_small, disclosed
from screening.statistics.maths.proportions import LEVEL_95, normal_quantile_two_sided, proportion


@dataclass(frozen=True)
class Workload:
    """Human reads per 1 000 episodes with the normal interval of a mean (reads per episode vary)."""

    reads: int | str
    per_thousand: float | None
    low: float | None
    high: float | None


def workload(counts: ReplayCounts) -> Workload:
    """Reads per 1 000 with mean +- z * sd / sqrt(n) (sample sd of the reads per episode)."""
    n = counts.episodes
    if count_is_small(n):
        return Workload(disclosed(counts.reads), None, None, None)
    mean = counts.reads / n
    variance = max(counts.reads_squared - n * mean * mean, 0.0) / (n - 1)
    half = normal_quantile_two_sided(LEVEL_95) * math.sqrt(variance / n)
    return Workload(disclosed(counts.reads), 1000 * mean, 1000 * max(mean - half, 0.0), 1000 * (mean + half))


@dataclass(frozen=True)
class ReplayFigures:
    """The figures of one set of decisions (the real ones or a replay's), disclosed."""

    episodes: int | str
    unknown: int | str  # episodes whose truth is not known yet: in the rates, not in the accuracy
    recall_rate: DisclosedProportion  # percent of the episodes
    detection_rate: DisclosedProportion  # cancers recalled per 1 000 episodes
    sensitivity: DisclosedProportion  # percent of the cancers recalled
    specificity: DisclosedProportion  # percent of the episodes without cancer kept routine
    workload: Workload

    def as_dict(self) -> dict[str, Any]:
        """For the saved scenario and the API."""
        return asdict(self)


def replay_figures(counts: ReplayCounts) -> ReplayFigures:
    """The figures of a replay's (or the history's) counts."""
    cancers = counts.detected + counts.missed
    negatives = counts.true_negatives + counts.false_positives
    return ReplayFigures(
        episodes=disclosed(counts.episodes),
        unknown=disclosed(counts.unknown),
        recall_rate=disclosed(proportion(counts.recalls, counts.episodes, per=100)),
        detection_rate=disclosed(proportion(counts.detected, counts.episodes, per=1000)),
        sensitivity=disclosed(proportion(counts.detected, cancers, per=100)),
        specificity=disclosed(proportion(counts.true_negatives, negatives, per=100)),
        workload=workload(counts),
    )
