"""The counts every accuracy figure is computed from, as grouped aggregates of the KPI facts (SQL):
no episode, read or score is loaded one by one, so the Accuracy and Readers pages cost the same few
queries at a thousand episodes or a million.

- `accuracy_counts`: one GROUP BY over (truth, result, AI call, each role's call and AI shown)
  gives every decision's 2x2 table and the agreement tables; one over (truth, score bucket) gives
  the AI scores for the AUC, ROC curve and calibration;
- the same GROUP BY also gives the final decision's and the AI's tallies per subgroup of the
  breakdown; `reader_counts` and `lung_category_counts` give them per reader and per Lung-RADS
  category (one query each).

Scores are bucketed at 1/10 000 (`SCORE_BUCKETS`) and each bucket stands for its episodes at their
mean score: the AUC treats scores within 0.0001 of each other as tied (docs/statistics.md).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import BooleanField, Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Floor

from screening.campaigns.models import EpisodeResult
from screening.outcomes.episode_truth import Truth
from screening.statistics.kpi_scope import campaigns_in_scope
from screening.statistics.models import EpisodeKpiFacts

SCORE_BUCKETS = 10_000
POSITIVE, NEGATIVE, UNKNOWN = "positive", "negative", "unknown"
CLINICAL_CALLS = (EpisodeResult.ROUTINE.value, EpisodeResult.RECALL.value)
HUMAN_ROLES = ("first", "second")
ROLES = (*HUMAN_ROLES, "arbitration")
GROUP_COLUMNS = {
    "age_band": "age_band",
    "round": "screening_round",
    "vendor": "vendor",
    "site": "campaign__site",
    "model": "ai_model",
}
DECISION_OF_ROLE = {"first": "first_read", "second": "second_read", "arbitration": "arbitration"}


@dataclass
class Tally:
    """One decision's 2x2 table against the truth, and its decisions whose truth is still unknown."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0
    unknown: int = 0

    def add(self, truth: str, positive: bool, count: int) -> None:
        if truth == UNKNOWN:
            self.unknown += count
        elif truth == POSITIVE:
            self.true_positive += count if positive else 0
            self.false_negative += 0 if positive else count
        else:
            self.false_positive += count if positive else 0
            self.true_negative += 0 if positive else count

    @property
    def total(self) -> int:
        """Every decision counted, unknown truths included."""
        known = self.true_positive + self.false_positive + self.false_negative + self.true_negative
        return known + self.unknown


def truth_class() -> Case:
    """The episode's truth as known now (`truth_now` annotated) in three: cancer, none, unknown."""
    return Case(
        When(truth_now__in=(Truth.SCREEN_DETECTED.value, Truth.INTERVAL_CANCER.value), then=Value(POSITIVE)),
        When(truth_now__in=(Truth.FALSE_POSITIVE.value, Truth.TRUE_NEGATIVE.value), then=Value(NEGATIVE)),
        default=Value(UNKNOWN),
        output_field=CharField(),
    )


def ai_call() -> Case:
    """The AI's call at the episode's threshold: True (score at or over it), False, None (unscored)."""
    scored = Q(ai_score__isnull=False, ai_threshold__isnull=False)
    return Case(
        When(scored & Q(ai_score__gte=F("ai_threshold")), then=Value(True)),
        When(scored, then=Value(False)),
        default=None,
        output_field=BooleanField(),
    )


def classified(facts: QuerySet[EpisodeKpiFacts]) -> Any:
    """The facts with their truth class (`cls`) and the AI's call (`ai_recall`)."""
    return facts.order_by().annotate(cls=truth_class(), ai_recall=ai_call())


@dataclass(frozen=True)
class ScoreHistogram:
    """The AI scores of the episodes with a known truth: each bucket's mean score, its cancers and
    its episodes without; and how many scored episodes have an unknown truth."""

    scores: np.ndarray
    positives: np.ndarray
    negatives: np.ndarray
    unknown: int

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(truth, score) one per episode, sorted by score: what the ROC and calibration maths take."""
        counts = self.positives + self.negatives
        scores = np.repeat(self.scores, counts)
        truth = np.repeat(
            np.tile([True, False], len(self.scores)),
            np.column_stack([self.positives, self.negatives]).ravel(),
        )
        return truth, scores


@dataclass
class AccuracyCounts:
    """The 2x2 tables of every decision, the agreement tables, and the AI's score histogram."""

    decisions: dict[str, Tally]
    readers_table: np.ndarray  # [first recall][second recall], of the episodes both read clinically
    reader_ai_table: np.ndarray  # [reader recall][AI recall], every clinical first or second read
    arbitrated: int  # double-read episodes with an arbitration
    histogram: ScoreHistogram
    screened: dict[str, int] = field(default_factory=dict)  # episodes per truth class
    # {group of the breakdown: (final decision's tally, AI's tally)}
    groups: dict[str, tuple[Tally, Tally]] = field(default_factory=dict)
    models: frozenset[str] = frozenset()  # the "name:version" of the models that scored the selection


def _combinations(facts: QuerySet[EpisodeKpiFacts], by: str) -> list[dict[str, Any]]:
    """Episodes per (truth, result, AI call and model, each role's call and AI shown, group of `by`)."""
    keys = ["cls", "result", "ai_recall", "ai_model"]
    keys += [f"{role}_{part}" for role in ROLES for part in ("call", "ai_shown")]
    group = {} if GROUP_COLUMNS[by] == "ai_model" else {"group": F(GROUP_COLUMNS[by])}
    return list(classified(facts).values(*keys, **group).annotate(n=Count("*")))


def _histogram(facts: QuerySet[EpisodeKpiFacts]) -> ScoreHistogram:
    rows = (
        classified(facts)
        .filter(ai_score__isnull=False)
        .values("cls", bucket=Floor(F("ai_score") * SCORE_BUCKETS))
        .annotate(n=Count("*"), total=Sum("ai_score"))
        .order_by("bucket")
    )
    unknown = 0
    by_bucket: dict[int, list[Any]] = {}  # bucket: [cancers, none, sum of scores]
    for row in rows:
        if row["cls"] == UNKNOWN:
            unknown += row["n"]
            continue
        entry = by_bucket.setdefault(row["bucket"], [0, 0, 0.0])
        entry[0 if row["cls"] == POSITIVE else 1] += row["n"]
        entry[2] += row["total"]
    entries = [by_bucket[bucket] for bucket in sorted(by_bucket)]
    positives = np.array([entry[0] for entry in entries], dtype=np.int64)
    negatives = np.array([entry[1] for entry in entries], dtype=np.int64)
    sums = np.array([entry[2] for entry in entries], dtype=np.float64)
    scores = np.clip(sums / np.maximum(positives + negatives, 1), 0.0, 1.0)
    return ScoreHistogram(scores, positives, negatives, unknown)


def accuracy_counts(facts: QuerySet[EpisodeKpiFacts], *, by: str = "age_band") -> AccuracyCounts:
    """Every count the Accuracy page shows, of the screened facts of a selection, with the
    breakdown by `by` (a key of GROUP_COLUMNS): two queries."""
    decisions: dict[str, Tally] = defaultdict(Tally)
    readers_table = np.zeros((2, 2), dtype=np.int64)
    reader_ai_table = np.zeros((2, 2), dtype=np.int64)
    arbitrated = 0
    screened: dict[str, int] = defaultdict(int)
    groups: dict[str, tuple[Tally, Tally]] = {}
    models: set[str] = set()
    for row in _combinations(facts, by):
        cls, n, ai = row["cls"], row["n"], row["ai_recall"]
        recalled = row["result"] == EpisodeResult.RECALL
        screened[cls] += n
        models.add(row["ai_model"])
        group_final, group_ai = groups.setdefault(row.get("group", row["ai_model"]) or "", (Tally(), Tally()))
        decisions["final"].add(cls, recalled, n)
        group_final.add(cls, recalled, n)
        if ai is not None:
            decisions["ai"].add(cls, ai, n)
            group_ai.add(cls, ai, n)
        for role in ROLES:
            call = row[f"{role}_call"]
            if call not in CLINICAL_CALLS:
                continue
            recall = call == EpisodeResult.RECALL
            decisions[DECISION_OF_ROLE[role]].add(cls, recall, n)
            if role in HUMAN_ROLES:
                decisions["aided" if row[f"{role}_ai_shown"] else "unaided"].add(cls, recall, n)
                if ai is not None:
                    reader_ai_table[int(recall), int(ai)] += n
        first, second = row["first_call"], row["second_call"]
        if first in CLINICAL_CALLS and second in CLINICAL_CALLS:
            readers_table[int(first == EpisodeResult.RECALL), int(second == EpisodeResult.RECALL)] += n
            arbitrated += n if row["arbitration_call"] else 0
    return AccuracyCounts(
        decisions=dict(decisions),
        readers_table=readers_table,
        reader_ai_table=reader_ai_table,
        arbitrated=arbitrated,
        histogram=_histogram(facts),
        screened=dict(screened),
        groups=groups,
        models=frozenset(models - {""}),
    )


@dataclass
class ReaderCounts:
    """One reader's first and second reads: how many, their recall calls against the truth, their
    calls against the AI's and against the other reader's, and their arbitrations."""

    reads: int = 0
    recalls: int = 0  # of the clinical reads (routine or recall), unknown truths included
    tally: Tally = field(default_factory=Tally)
    with_ai: np.ndarray = field(default_factory=lambda: np.zeros((2, 2), dtype=np.int64))
    with_other: np.ndarray = field(default_factory=lambda: np.zeros((2, 2), dtype=np.int64))
    arbitrations: int = 0


def reader_counts(facts: QuerySet[EpisodeKpiFacts]) -> dict[int, ReaderCounts]:
    """{reader's user id: their counts}, from one grouped query."""
    keys = ("cls", "ai_recall", *(f"{role}_{part}" for role in ROLES for part in ("reader", "call")))
    readers: dict[int, ReaderCounts] = defaultdict(ReaderCounts)
    arbitrations: dict[int, int] = defaultdict(int)
    for row in classified(facts).values(*keys).annotate(n=Count("*")):
        n = row["n"]
        for role, other in (("first", "second"), ("second", "first")):
            if row[f"{role}_reader"] is not None:
                _count_read(readers[row[f"{role}_reader"]], row, row[f"{role}_call"], row[f"{other}_call"], n)
        if row["arbitration_reader"] is not None:
            arbitrations[row["arbitration_reader"]] += n
    for reader, count in arbitrations.items():
        if reader in readers:  # a reader is listed for their first and second reads
            readers[reader].arbitrations = count
    return dict(readers)


def _count_read(counts: ReaderCounts, row: dict[str, Any], own: str, other: str, n: int) -> None:
    counts.reads += n
    if own not in CLINICAL_CALLS:
        return
    recall = own == EpisodeResult.RECALL
    counts.tally.add(row["cls"], recall, n)
    counts.recalls += n if recall else 0
    if row["ai_recall"] is not None:
        counts.with_ai[int(recall), int(row["ai_recall"])] += n
    if other in CLINICAL_CALLS:
        counts.with_other[int(recall), int(other == EpisodeResult.RECALL)] += n


def lung_category_counts(facts: QuerySet[EpisodeKpiFacts]) -> list[tuple[str, tuple[str, str, str], int]]:
    """(truth class, (first, second, arbitration category), episodes) of the lung facts, one query."""
    rows = (
        classified(facts)
        .filter(campaign__programme__code="lung")
        .values("cls", "first_category", "second_category", "arbitration_category")
        .annotate(n=Count("*"))
    )
    return [
        (row["cls"], (row["first_category"], row["second_category"], row["arbitration_category"]), row["n"])
        for row in rows
    ]


# The distinct models of the facts by skipping through the (ai_model, campaign) index, one seek per
# model, instead of reading every fact; each kept when it scored a campaign of the user's scope.
MODELS_SKIP_SCAN = f"""
WITH RECURSIVE models(name) AS (
    SELECT MIN(ai_model) FROM {EpisodeKpiFacts._meta.db_table} WHERE ai_model > ''
    UNION ALL
    SELECT (SELECT MIN(ai_model) FROM {EpisodeKpiFacts._meta.db_table} WHERE ai_model > models.name)
    FROM models WHERE models.name IS NOT NULL
)
SELECT name FROM models WHERE name IS NOT NULL"""  # noqa: S608 - our table name


def models_in_scope(*, user: Any) -> list[str]:
    """The "name:version" of every model whose result is the latest of an episode of the user's
    campaigns (what the model version filter can select)."""
    with connection.cursor() as cursor:
        cursor.execute(MODELS_SKIP_SCAN)
        names = [name for (name,) in cursor.fetchall()]
    campaigns = list(campaigns_in_scope(user=user).order_by().values_list("pk", flat=True))
    facts = EpisodeKpiFacts.objects.filter(campaign_id__in=campaigns)
    return [name for name in names if facts.filter(ai_model=name).exists()]
