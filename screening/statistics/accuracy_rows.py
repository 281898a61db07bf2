"""One row per screened episode for the outcome KPIs and the accuracy figures: its truth, the AI's
score and threshold, and its signed reads. Nothing identifying leaves this module: rows carry ids
only, and only aggregates of them reach a page.

The truth is `outcome_selectors.episode_truths` (the one place that decides it); the other facts
come from a handful of queries over the selection, never one per episode.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from screening.campaigns.models import EpisodeResult
from screening.inference_jobs.models import InferenceResult
from screening.outcomes.episode_truth import Truth
from screening.outcomes.models import Assessment, AssessmentOutcome, Diagnosis, Pathology, PathologyKind
from screening.outcomes.outcome_selectors import current, episode_truths
from screening.reading.models import ReadSlot, ReadSlotStatus
from screening.statistics.episode_facts import cohort_filtered, with_cohort_facts
from screening.statistics.kpi_scope import KpiFilters, episodes_in_scope

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


def _month_after(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def screened_episodes(*, user: Any, filters: KpiFilters) -> Any:
    """The user's screened episodes with a routine or recall result, by month of their images."""
    episodes = episodes_in_scope(user=user, filters=filters).filter(
        imaged_at__isnull=False, result__in=(EpisodeResult.ROUTINE, EpisodeResult.RECALL)
    )
    if filters.month_from:
        episodes = episodes.filter(imaged_at__date__gte=filters.month_from)
    if filters.month_to:
        episodes = episodes.filter(imaged_at__date__lt=_month_after(filters.month_to))
    episodes = cohort_filtered(with_cohort_facts(episodes), filters)
    return episodes.select_related("campaign__programme")


def _ai_scores(ids: list[int], model: str) -> dict[int, tuple[float, str]]:
    """{episode: (score, "name:version")}: the latest AI result of the episode's studies."""
    results = InferenceResult.objects.filter(study__episode_id__in=ids)
    if model:
        name, _, version = model.partition(":")
        results = results.filter(model_name=name, model_version=version)
    rows = results.order_by("created_at", "id").values_list(
        "study__episode_id", "study_score", "model_name", "model_version"
    )
    return {episode: (score, f"{name}:{version}") for episode, score, name, version in rows}


def _reads(ids: list[int]) -> dict[int, list[ReadRow]]:
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


def _cancer_kinds(ids: list[int]) -> dict[int, str]:
    """Invasive when any current pathology or linked diagnosis is invasive, else DCIS when one is."""
    kinds: dict[int, set[str]] = defaultdict(set)
    for model in (Pathology, Diagnosis):
        for episode, kind in current(model.objects.filter(episode_id__in=ids)).values_list(
            "episode_id", "kind"
        ):
            kinds[episode].add(kind)
    found = {}
    for episode, seen in kinds.items():
        if PathologyKind.INVASIVE in seen:
            found[episode] = "invasive"
        elif PathologyKind.DCIS in seen:
            found[episode] = "dcis"
    return found


def _biopsied(ids: list[int]) -> set[int]:
    """Episodes with a biopsy: an assessment that took one, or pathology recorded."""
    assessed = current(
        Assessment.objects.filter(
            Q(outcome=AssessmentOutcome.BIOPSY_TAKEN) | Q(outcome=AssessmentOutcome.MALIGNANT),
            episode_id__in=ids,
        )
    ).values_list("episode_id", "outcome")
    with_pathology = set(
        current(Pathology.objects.filter(episode_id__in=ids)).values_list("episode_id", flat=True)
    )
    return {e for e, outcome in assessed if outcome == AssessmentOutcome.BIOPSY_TAKEN} | with_pathology


def episode_rows(
    *, user: Any, filters: KpiFilters, model: str = "", follow_up_until: date | None = None
) -> list[EpisodeRow]:
    """Every screened episode of the selection as a row; with `model` ("name:version") only the
    episodes that model scored."""
    episodes = list(screened_episodes(user=user, filters=filters))
    ids = [episode.pk for episode in episodes]
    until = follow_up_until or timezone.localdate()
    truths = episode_truths(episodes=episodes, follow_up_until=until)
    scores, reads = _ai_scores(ids, model), _reads(ids)
    kinds, biopsied = _cancer_kinds(ids), _biopsied(ids)
    rows = []
    for episode in episodes:
        truth = truths[episode.pk]
        if truth.truth == Truth.NO_RESULT or (model and episode.pk not in scores):
            continue
        score, scored_by = scores.get(episode.pk, (None, ""))
        settings = episode.reading_settings
        rows.append(
            EpisodeRow(
                episode_id=episode.pk,
                programme=episode.campaign.programme.code,
                result=episode.result,
                truth=truth.truth,
                screened_on=timezone.localdate(episode.imaged_at),
                follow_up_until=until,
                interval_months=episode.campaign.programme.interval_months,
                months_to_cancer=truth.months_to_cancer,
                cancer_kind=kinds.get(episode.pk, "") if truth.truth in POSITIVE_TRUTHS else "",
                biopsied=episode.pk in biopsied,
                ai_score=score,
                model=scored_by,
                ai_threshold=settings.ai_high_suspicion_threshold,
                ai_shown_to_readers=settings.ai_shown_to_readers,
                reads=tuple(reads.get(episode.pk, ())),
                site=episode.campaign.site,
                screening_round=episode.screening_round,
                age_band=episode.age_band,
                vendor=episode.vendor,
            )
        )
    return rows


def models_in_scope(*, user: Any) -> list[str]:
    """The "name:version" of every model that scored an episode of the user's campaigns."""
    results = InferenceResult.objects.filter(
        study__episode__campaign__in=episodes_in_scope(user=user, filters=KpiFilters()).values("campaign_id")
    )
    pairs = results.order_by().values_list("model_name", "model_version").distinct()
    return sorted(f"{name}:{version}" for name, version in pairs)
