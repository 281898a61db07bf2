"""The screened episodes' outcome facts of a selection, and the outcome KPIs' counts from them in
one grouped aggregate (no episode loaded into Python): what the Outcomes page and API show.

The facts are `EpisodeKpiFacts` with a truth (a routine or recall result from a screen); the truth
as known today is `outcome_facts.truth_now`, so the counts move as follow-up windows pass.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from screening.outcomes.episode_truth import Truth
from screening.statistics.episode_facts import cohort_filtered
from screening.statistics.kpi_scope import KpiFilters, campaign_scoped
from screening.statistics.models import EpisodeKpiFacts
from screening.statistics.outcome_facts import INTERVAL_BANDS, ROUTINE_CLEAR, truth_now


def screened_facts(*, user: Any, filters: KpiFilters, today: date | None = None) -> QuerySet[EpisodeKpiFacts]:
    """The user's screened episodes with a routine or recall result, by month of their images, each
    with its truth as known `today` (`truth_now`)."""
    facts = campaign_scoped(EpisodeKpiFacts.objects.all(), user=user, filters=filters).exclude(truth="")
    if filters.month_from:
        facts = facts.filter(imaged_month__gte=filters.month_from)
    if filters.month_to:
        facts = facts.filter(imaged_month__lte=filters.month_to)
    facts = cohort_filtered(facts, filters)
    return facts.annotate(truth_now=truth_now(today or timezone.localdate()))


@dataclass(frozen=True)
class BandCounts:
    """One interval band: interval cancers in it, episodes it observed, episodes not yet observed."""

    cancers: int
    observed: int
    waiting: int


@dataclass(frozen=True)
class OutcomeCounts:
    """Everything the outcome KPIs are computed from."""

    screened: int
    detected: int
    detected_invasive: int
    detected_dcis: int
    interval_cancers: int
    recalled_unknown: int
    false_positive: int
    biopsied: int
    negatives: int  # false positives and true negatives
    routine_unknown: int
    bands: tuple[BandCounts, ...]


def _band_filters(number: int, low: int, high: int, today: date) -> dict[str, Q]:
    """The band's conditions: observed once its end day (capped by the interval) has passed."""
    ends_on = f"band_{low}_{high}_ends_on"
    observed = Q(**{f"{ends_on}__lte": today})
    return {
        f"band_{low}_{high}_observed": observed,
        f"band_{low}_{high}_waiting": Q(**{f"{ends_on}__gt": today}),
        f"band_{low}_{high}_cancers": observed & Q(interval_band=number),
    }


def outcome_counts(facts: QuerySet[EpisodeKpiFacts], *, today: date | None = None) -> OutcomeCounts:
    """The outcome KPIs' counts of the facts (from `screened_facts`), in one aggregate query."""
    today = today or timezone.localdate()
    # The stored truth, with time only where it decides (`truth_now`), written out so the
    # database compares columns rather than evaluating the CASE for every count.
    detected = Q(truth=Truth.SCREEN_DETECTED)
    routine_clear = Q(truth=ROUTINE_CLEAR)
    conditions = {
        "detected": detected,
        "detected_invasive": detected & Q(cancer_kind="invasive"),
        "detected_dcis": detected & Q(cancer_kind="dcis"),
        "interval_cancers": Q(truth=Truth.INTERVAL_CANCER),
        "recalled_unknown": Q(truth=Truth.UNKNOWN),  # only a recall is stored as unknown
        "false_positive": Q(truth=Truth.FALSE_POSITIVE),
        "biopsied": Q(biopsied=True),
        "negatives": Q(truth=Truth.FALSE_POSITIVE) | (routine_clear & Q(window_ends_on__lte=today)),
        "routine_unknown": routine_clear & Q(window_ends_on__gt=today),
    }
    for number, (low, high) in enumerate(INTERVAL_BANDS):
        conditions.update(_band_filters(number, low, high, today))
    found = facts.order_by().aggregate(
        screened=Count("pk"),
        **{name: Count("pk", filter=condition) for name, condition in conditions.items()},
    )
    bands = tuple(
        BandCounts(
            found[f"band_{low}_{high}_cancers"],
            found[f"band_{low}_{high}_observed"],
            found[f"band_{low}_{high}_waiting"],
        )
        for low, high in INTERVAL_BANDS
    )
    names = [name for name in OutcomeCounts.__dataclass_fields__ if name != "bands"]
    return OutcomeCounts(**{name: found[name] for name in names}, bands=bands)
