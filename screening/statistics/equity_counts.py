"""The counts of the subgroup equity figures, as two grouped aggregates of the KPI facts per group:
(group, truth, result, AI call) for the final decision's 2x2 tables and recall rates, and (group,
truth, score bucket) for each group's AUC. Groups are the accuracy breakdowns (age band, round,
vendor and model, site, AI model version) and every participant attribute a programme records
(`ParticipantAttribute`, e.g. breast density): the participant's current value."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import CharField, Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Floor

from screening.campaigns.models import EpisodeResult
from screening.patients.attribute_services import BREAST_DENSITY
from screening.patients.models import ParticipantAttribute
from screening.statistics.accuracy_counts import (
    GROUP_COLUMNS,
    POSITIVE,
    SCORE_BUCKETS,
    UNKNOWN,
    ScoreHistogram,
    Tally,
    classified,
)
from screening.statistics.accuracy_groups import ACCURACY_GROUPS
from screening.statistics.models import EpisodeKpiFacts

ATTRIBUTE_PREFIX = "attribute:"
NOT_RECORDED = "not recorded"
ATTRIBUTE_LABELS = {BREAST_DENSITY: "Breast density"}


def attribute_names() -> list[str]:
    """The participant attribute names recorded so far (the equity page's extra breakdowns)."""
    return sorted(ParticipantAttribute.objects.order_by().values_list("name", flat=True).distinct())


def equity_groups() -> dict[str, str]:
    """{breakdown key: label}: the accuracy breakdowns, then one per participant attribute."""
    attributes = {
        f"{ATTRIBUTE_PREFIX}{name}": ATTRIBUTE_LABELS.get(name, name.replace("_", " ").capitalize())
        for name in attribute_names()
    }
    return dict(ACCURACY_GROUPS) | attributes


def _group_expression(by: str) -> Any:
    if by.startswith(ATTRIBUTE_PREFIX):
        latest = ParticipantAttribute.objects.filter(
            patient_id=OuterRef("episode__patient_id"), name=by.removeprefix(ATTRIBUTE_PREFIX)
        ).order_by("-recorded_at", "-id")
        return Coalesce(Subquery(latest.values("value")[:1]), Value(NOT_RECORDED), output_field=CharField())
    return F(GROUP_COLUMNS[by])


@dataclass
class GroupCounts:
    """One group's final-decision tally (unknown truths beside), its recalls, and its AI scores."""

    final: Tally = field(default_factory=Tally)
    recalls: int = 0
    decided: int = 0  # episodes with a routine or recall result, unknown truths included
    buckets: dict[int, list[float]] = field(default_factory=dict)  # bucket: [cancers, none, score sum]
    scored_unknown: int = 0

    def histogram(self) -> ScoreHistogram:
        """The group's scores as the AUC maths takes them (each bucket at its mean score)."""
        entries = [self.buckets[bucket] for bucket in sorted(self.buckets)]
        positives = np.array([entry[0] for entry in entries], dtype=np.int64)
        negatives = np.array([entry[1] for entry in entries], dtype=np.int64)
        sums = np.array([entry[2] for entry in entries], dtype=np.float64)
        scores = np.clip(sums / np.maximum(positives + negatives, 1), 0.0, 1.0)
        return ScoreHistogram(scores, positives, negatives, self.scored_unknown)


def equity_counts(facts: QuerySet[EpisodeKpiFacts], *, by: str) -> dict[str, GroupCounts]:
    """{group: its counts} of the screened facts, grouped by `by` (a key of `equity_groups`)."""
    rows = classified(facts).annotate(group=_group_expression(by))
    groups: dict[str, GroupCounts] = defaultdict(GroupCounts)
    for row in rows.values("group", "cls", "result").annotate(n=Count("*")):
        counts = groups[row["group"] or ""]
        recalled = row["result"] == EpisodeResult.RECALL
        counts.final.add(row["cls"], recalled, row["n"])
        counts.decided += row["n"]
        counts.recalls += row["n"] if recalled else 0
    scored = rows.filter(ai_score__isnull=False).values(
        "group", "cls", bucket=Floor(F("ai_score") * SCORE_BUCKETS)
    )
    for row in scored.annotate(n=Count("*"), total=Sum("ai_score")):
        counts = groups[row["group"] or ""]
        if row["cls"] == UNKNOWN:
            counts.scored_unknown += row["n"]
            continue
        entry = counts.buckets.setdefault(int(row["bucket"]), [0, 0, 0.0])
        entry[0 if row["cls"] == POSITIVE else 1] += row["n"]
        entry[2] += row["total"]
    return dict(groups)


def overall_counts(groups: dict[str, GroupCounts]) -> GroupCounts:
    """The whole selection's counts: the groups' summed (every episode is in exactly one group)."""
    total = GroupCounts()
    for counts in groups.values():
        for name in ("true_positive", "false_positive", "false_negative", "true_negative", "unknown"):
            setattr(total.final, name, getattr(total.final, name) + getattr(counts.final, name))
        total.recalls += counts.recalls
        total.decided += counts.decided
        total.scored_unknown += counts.scored_unknown
        for bucket, (cancers, none, score_sum) in counts.buckets.items():
            entry = total.buckets.setdefault(bucket, [0, 0, 0.0])
            entry[0] += cancers
            entry[1] += none
            entry[2] += score_sum
    return total
