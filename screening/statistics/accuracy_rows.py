"""One row per screened episode for the outcome KPIs and the accuracy figures: its truth, the AI's
score and threshold, and its signed reads. Nothing identifying leaves this module: rows carry ids
only, and only aggregates of them reach a page.

The truth is the KPI facts' (`outcome_facts`: `episode_truth`'s rules in SQL, kept when outcomes
change); the other facts come from a handful of queries over the selection, never one per episode.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import BooleanField, Case, F, FloatField, Q, When
from django.utils import timezone

from screening.campaigns.models import EpisodeResult
from screening.inference_jobs.models import InferenceResult
from screening.outcomes.episode_truth import Truth
from screening.reading.models import ReadSlot, ReadSlotStatus
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.outcome_fact_selectors import screened_facts

POSITIVE_TRUTHS = frozenset({Truth.SCREEN_DETECTED, Truth.INTERVAL_CANCER})
NEGATIVE_TRUTHS = frozenset({Truth.FALSE_POSITIVE, Truth.TRUE_NEGATIVE})


@dataclass(frozen=True)
class ReadRow:
    """One signed read (its current opinion): who, in which role, recall or not, with the AI shown."""

    role: str
    reader_id: int
    recall: bool | None  # None for a technical recall: no clinical decision
    ai_shown: bool
    category: str = ""


@dataclass(frozen=True)
class EpisodeRow:
    episode_id: int
    programme: str
    result: str  # routine or recall
    truth: Truth
    screened_on: date
    follow_up_until: date
    interval_months: int = 36
    months_to_cancer: float | None = None
    cancer_kind: str = ""  # "invasive", "dcis", or "" (none, or a cancer of unrecorded kind)
    biopsied: bool = False
    ai_score: float | None = None
    model: str = ""  # "name:version" of the AI result
    ai_threshold: float | None = None  # the high-suspicion threshold the episode recorded at imaging
    ai_shown_to_readers: bool | None = None
    reads: tuple[ReadRow, ...] = field(default_factory=tuple)
    # The subgroups the accuracy figures are broken down by.
    site: str = ""
    screening_round: str = ""
    age_band: str = ""
    vendor: str = ""

    @property
    def cancer(self) -> bool | None:
        """True for a cancer, False for none, None while unknown."""
        if self.truth in POSITIVE_TRUTHS:
            return True
        return False if self.truth in NEGATIVE_TRUTHS else None

    @property
    def recalled(self) -> bool:
        return self.result == EpisodeResult.RECALL

    @property
    def ai_recall(self) -> bool | None:
        if self.ai_score is None or self.ai_threshold is None:
            return None
        return self.ai_score >= self.ai_threshold


def _ai_scores(ids: Any, model: str) -> dict[int, tuple[float, str]]:
    """{episode: (score, "name:version")}: the latest AI result of the episodes' (`ids`, a
    subquery) studies."""
    results = InferenceResult.objects.filter(study__episode_id__in=ids)
    if model:
        name, _, version = model.partition(":")
        results = results.filter(model_name=name, model_version=version)
    rows = results.order_by("created_at", "id").values_list(
        "study__episode_id", "study_score", "model_name", "model_version"
    )
    return {episode: (score, f"{name}:{version}") for episode, score, name, version in rows}


def _reads(ids: Any) -> dict[int, list[ReadRow]]:
    slots = ReadSlot.objects.filter(
        episode_id__in=ids, status=ReadSlotStatus.SIGNED, current_opinion__isnull=False
    ).values_list(
        "episode_id",
        "role",
        "signed_by_id",
        "current_opinion__result",
        "current_opinion__ai_shown",
        "current_opinion__categories",
    )
    reads: dict[int, list[ReadRow]] = defaultdict(list)
    for episode, role, reader, result, ai_shown, categories in slots.order_by("id"):
        recall = None if result == EpisodeResult.TECHNICAL_RECALL else result == EpisodeResult.RECALL
        category = (categories or {}).get("study", "")
        reads[episode].append(ReadRow(role, reader, recall, bool(ai_shown), category))
    return reads


def _threshold_and_shown() -> dict[str, Case]:
    """The AI threshold and visibility each episode's reads followed: recorded at imaging, else the
    campaign's (`Episode.reading_settings`)."""
    recorded = ~Q(episode__reading_policy="")
    return {
        name: Case(
            When(recorded, then=F(f"episode__{setting}")),
            default=F(f"campaign__{setting}"),
            output_field=field,
        )
        for name, setting, field in (
            ("threshold", "ai_high_suspicion_threshold", FloatField()),
            ("shown", "ai_shown_to_readers", BooleanField()),
        )
    }


ROW_COLUMNS = (
    "episode_id",
    "campaign__programme__code",
    "result",
    "truth_now",
    "imaged_on",
    "campaign__programme__interval_months",
    "months_to_cancer",
    "cancer_kind",
    "biopsied",
    "threshold",
    "shown",
    "campaign__site",
    "screening_round",
    "age_band",
    "vendor",
)


def episode_rows(
    *, user: Any, filters: KpiFilters, model: str = "", follow_up_until: date | None = None
) -> list[EpisodeRow]:
    """Every screened episode of the selection as a row, its truth from the KPI facts as known on
    `follow_up_until` (today); with `model` ("name:version") only the episodes that model scored."""
    until = follow_up_until or timezone.localdate()
    facts = screened_facts(user=user, filters=filters, today=until).annotate(**_threshold_and_shown())
    found = list(facts.order_by("episode_id").values_list(*ROW_COLUMNS))
    ids = facts.order_by().values("episode_id")
    scores, reads = _ai_scores(ids, model), _reads(ids)
    rows = []
    for (
        episode_id,
        programme,
        result,
        truth,
        imaged_on,
        interval,
        months,
        kind,
        biopsied,
        threshold,
        shown,
        site,
        screening_round,
        age_band,
        vendor,
    ) in found:
        if model and episode_id not in scores:
            continue
        score, scored_by = scores.get(episode_id, (None, ""))
        rows.append(
            EpisodeRow(
                episode_id=episode_id,
                programme=programme,
                result=result,
                truth=Truth(truth),
                screened_on=imaged_on,
                follow_up_until=until,
                interval_months=interval,
                months_to_cancer=months,
                cancer_kind=kind if truth in POSITIVE_TRUTHS else "",
                biopsied=biopsied,
                ai_score=score,
                model=scored_by,
                ai_threshold=threshold,
                ai_shown_to_readers=shown,
                reads=tuple(reads.get(episode_id, ())),
                site=site,
                screening_round=screening_round,
                age_band=age_band,
                vendor=vendor,
            )
        )
    return rows
