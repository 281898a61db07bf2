"""Reading campaigns and their funnels, from the actor's scope."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from screening.campaigns.cohort_selectors import cohort_eligible
from screening.campaigns.models import (
    Campaign,
    CampaignQuerySet,
    CampaignSettingsChange,
    Episode,
    EpisodeStatus,
    EpisodeStatusEvent,
    Programme,
)
from screening.campaigns.reader_requirements import RADIOLOGISTS_NEEDED
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.audited_reads import audited_get
from screening.core.models import AuditAction
from screening.core.roles import Role
from screening.patients.models import Patient

EPISODE = "episode"
PATIENT = "patient"


def campaigns_visible(*, actor: Actor) -> CampaignQuerySet:
    return Campaign.objects.visible_to(actor.user).select_related("programme")


def campaign_get(*, actor: Actor, campaign_id: int) -> Campaign:
    campaign = campaigns_visible(actor=actor).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


def radiologists_active() -> QuerySet[User]:
    """Active users whose role reads studies, by username (who can be assigned to read)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.RADIOLOGIST)
        .distinct()
        .order_by("username")
    )


def campaign_staff_candidates() -> QuerySet[User]:
    """Active users whose role works a campaign (radiologists, coordinators, administrators)."""
    roles = [Role.RADIOLOGIST, Role.COORDINATOR, Role.ADMIN]
    users = get_user_model().objects.filter(is_active=True, groups__name__in=roles)
    return users.distinct().order_by("username")


def campaign_settings_history(*, campaign: Campaign) -> QuerySet[CampaignSettingsChange]:
    """The campaign's settings changes, oldest first (decision 0008), with who made them."""
    return campaign.settings_changes.select_related("actor").order_by("changed_at", "id")


@dataclass(frozen=True)
class ReadersShortfall:
    """A campaign whose imaged studies wait for reads its assigned radiologists cannot all give."""

    campaign: Campaign
    waiting: int  # imaged episodes whose policy needs more radiologists than are assigned
    radiologists: int
    needed: int


def campaigns_short_of_readers(*, actor: Actor) -> list[ReadersShortfall]:
    """For coordinators: campaigns with imaged studies nobody can read (or finish reading), in
    three queries; each episode needs the radiologists of the policy it recorded when imaged."""
    if actor.user is None or not actor.user.has_perm("campaigns.change_campaign"):
        return []
    waiting = (
        Episode.objects.filter(status=EpisodeStatus.IMAGED, campaign__in=campaigns_visible(actor=actor))
        .values_list("campaign_id", "reading_policy")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_campaign: dict[int, list[tuple[str, int]]] = {}
    for campaign_id, policy, n in waiting:
        per_campaign.setdefault(campaign_id, []).append((policy, n))
    radiologist = Q(assigned_staff__is_active=True, assigned_staff__groups__name=Role.RADIOLOGIST)
    campaigns = (
        Campaign.objects.filter(pk__in=per_campaign)
        .annotate(radiologists=Count("assigned_staff", filter=radiologist, distinct=True))
        .order_by("name", "id")
    )
    shortfalls = []
    for campaign in campaigns:
        needs = [
            (RADIOLOGISTS_NEEDED[policy or campaign.reading_policy], n)
            for policy, n in per_campaign[campaign.pk]
        ]
        short = [(needed, n) for needed, n in needs if needed > campaign.radiologists]
        if short:
            shortfalls.append(
                ReadersShortfall(
                    campaign=campaign,
                    waiting=sum(n for _, n in short),
                    radiologists=campaign.radiologists,
                    needed=max(needed for needed, _ in short),
                )
            )
    return shortfalls


Funnel = list[tuple[str, str, int]]


def _funnel(counts: dict[str, int]) -> Funnel:
    """(status, label, count) for every episode status, in pathway order; no identifiers."""
    return [(status.value, status.label, counts.get(status.value, 0)) for status in EpisodeStatus]


def campaign_funnel(*, campaign: Campaign) -> Funnel:
    counts = campaign.episodes.values("status").annotate(n=Count("id")).values_list("status", "n")
    return _funnel(dict(counts))


def campaigns_with_funnels(*, actor: Actor, open_only: bool = False) -> list[dict[str, Any]]:
    """Campaigns with their funnel counts, in two queries."""
    visible = campaigns_visible(actor=actor).order_by("-start_date", "name")
    campaigns = list(visible.open() if open_only else visible)
    rows = (
        Episode.objects.filter(campaign__in=campaigns)
        .values("campaign_id", "status")
        .annotate(n=Count("id"))
        .values_list("campaign_id", "status", "n")
    )
    counts: dict[int, dict[str, int]] = {}
    for campaign_id, status, n in rows:
        counts.setdefault(campaign_id, {})[status] = n
    return [
        {
            "campaign": campaign,
            "funnel": _funnel(counts.get(campaign.pk, {})),
            "total": sum(counts.get(campaign.pk, {}).values()),
        }
        for campaign in campaigns
    ]


def campaign_episodes(*, actor: Actor, campaign: Campaign, status: str = "") -> QuerySet[Episode]:
    """The campaign's episodes with their participants, audited as a list of patient data."""
    episodes = campaign.episodes.select_related("patient").order_by(
        "patient__family_name", "patient__given_name", "id"
    )
    if status:
        episodes = episodes.filter(status=status)
    audit_record(
        actor=actor,
        action=AuditAction.LIST,
        object_type=EPISODE,
        detail={"campaign": campaign.pk, "status": status},
    )
    return episodes


def episode_get(*, actor: Actor, episode_id: int) -> Episode:
    """One episode with its participant, audited; 404 (audited as denied) outside the actor's campaigns."""
    return audited_get(
        actor=actor,
        queryset=Episode.objects.visible_to(actor.user).select_related("patient", "campaign__programme"),
        object_id=episode_id,
        object_type=EPISODE,
        missing="No such episode.",
    )


def programme_list() -> QuerySet[Programme]:
    """Every programme: reference data, the same for every role that sees campaigns."""
    return Programme.objects.order_by("name")


def programme_get(*, programme_id: int) -> Programme:
    programme = programme_list().filter(pk=programme_id).first()
    if programme is None:
        raise Http404("No such programme.")
    return programme


def campaign_list(*, actor: Actor, status: str = "", programme_code: str = "") -> CampaignQuerySet:
    """The actor's campaigns, newest first, optionally of one status and one programme."""
    campaigns = campaigns_visible(actor=actor).order_by("-start_date", "name", "id")
    if status:
        campaigns = campaigns.filter(status=status)
    if programme_code:
        campaigns = campaigns.filter(programme__code=programme_code)
    return campaigns


def campaign_cohort(*, actor: Actor, campaign: Campaign) -> QuerySet[Patient]:
    """The participants the campaign should invite, by name, audited as a list of patient data."""
    audit_record(
        actor=actor,
        action=AuditAction.LIST,
        object_type=PATIENT,
        detail={"cohort_of_campaign": campaign.pk},
    )
    return cohort_eligible(campaign=campaign).order_by("family_name", "given_name", "id")


def episode_list(
    *, actor: Actor, campaign_id: int | None = None, status: str = "", patient_id: int | None = None
) -> QuerySet[Episode]:
    """The episodes of the actor's campaigns, filtered, with their participants; audited as a list."""
    episodes = Episode.objects.visible_to(actor.user).select_related("patient", "campaign")
    if campaign_id is not None:
        episodes = episodes.filter(campaign_id=campaign_id)
    if status:
        episodes = episodes.filter(status=status)
    if patient_id is not None:
        episodes = episodes.filter(patient_id=patient_id)
    audit_record(
        actor=actor,
        action=AuditAction.LIST,
        object_type=EPISODE,
        detail={"campaign": campaign_id, "status": status, "patient": patient_id},
    )
    return episodes.order_by("-status_changed_at", "-id")


def episode_history(*, episode: Episode) -> QuerySet[EpisodeStatusEvent]:
    """An episode's steps, oldest first; fetch `episode` with episode_get, which audits the view."""
    return episode.status_events.select_related("actor").order_by("occurred_at", "id")
