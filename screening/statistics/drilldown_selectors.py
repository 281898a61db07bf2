"""From an outcome figure to the episodes behind it, for coordinators: patient data, so the list
is audited, and only people who may read participants (not auditors) get it."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied

from screening.campaigns.models import Episode
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.outcomes.episode_truth import TRUTH_LABELS, Truth
from screening.statistics.accuracy_rows import EpisodeRow, episode_rows
from screening.statistics.kpi_scope import KpiFilters

DRILLDOWN_PERMISSIONS = ("patients.view_patient", "outcomes.view_outcome", "campaigns.change_campaign")
DRILLDOWN_RULE = " and ".join(DRILLDOWN_PERMISSIONS)
DRILLDOWN_LIMIT = 500
EPISODE_LIST = "statistics_episode_list"

# A figure's slug -> (what it lists, which rows).
DRILLDOWNS: dict[str, tuple[str, Any]] = {
    "screen_detected": ("Screen-detected cancers", lambda row: row.truth == Truth.SCREEN_DETECTED),
    "false_positive": (
        "Recalled episodes that were benign or normal",
        lambda row: row.truth == Truth.FALSE_POSITIVE,
    ),
    "interval_cancer": ("Interval cancers", lambda row: row.truth == Truth.INTERVAL_CANCER),
    "recall_unknown": (
        "Recalled episodes whose outcome is not yet known",
        lambda row: row.recalled and row.truth == Truth.UNKNOWN,
    ),
    "routine_unknown": (
        "Routine results whose follow-up is incomplete",
        lambda row: not row.recalled and row.truth == Truth.UNKNOWN,
    ),
    "biopsied": ("Episodes with a biopsy", lambda row: row.biopsied),
}


def may_drill_down(user: Any) -> bool:
    return bool(user and user.is_authenticated and all(user.has_perm(p) for p in DRILLDOWN_PERMISSIONS))


@dataclass(frozen=True)
class DrilledEpisode:
    episode_id: int
    participant: str
    identifier: str
    campaign: str
    screened_on: date
    result: str
    truth: str


@dataclass(frozen=True)
class Drilldown:
    slug: str
    title: str
    episodes: list[DrilledEpisode]
    total: int
    truncated: bool


def drilldown_episodes(*, actor: Actor, filters: KpiFilters, model: str, slug: str) -> Drilldown:
    """The episodes behind one figure (at most DRILLDOWN_LIMIT), the list audited."""
    if not may_drill_down(actor.user):
        raise PermissionDenied(f"Listing the episodes behind a figure needs {DRILLDOWN_RULE}.")
    title, keep = DRILLDOWNS[slug]
    rows: list[EpisodeRow] = [
        row for row in episode_rows(user=actor.user, filters=filters, model=model) if keep(row)
    ]
    shown = rows[:DRILLDOWN_LIMIT]
    episodes = Episode.objects.filter(pk__in=[row.episode_id for row in shown]).select_related(
        "patient", "campaign"
    )
    by_id = {episode.pk: episode for episode in episodes}
    listed = [
        DrilledEpisode(
            episode_id=row.episode_id,
            participant=_name(by_id[row.episode_id].patient),
            identifier=by_id[row.episode_id].patient.identifier,
            campaign=by_id[row.episode_id].campaign.name,
            screened_on=row.screened_on,
            result=by_id[row.episode_id].get_result_display(),
            truth=TRUTH_LABELS[row.truth],
        )
        for row in shown
    ]
    audit_record(
        actor=actor,
        action=AuditAction.LIST,
        object_type=EPISODE_LIST,
        detail={
            "figure": slug,
            "episodes": [row.episode_id for row in shown],
            **filters.as_query(),
            "model": model,
        },
    )
    return Drilldown(slug, title, listed, len(rows), len(rows) > len(shown))


def _name(patient: Any) -> str:
    return f"{patient.family_name.upper()}, {patient.given_name}"
