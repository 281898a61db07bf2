"""Reading campaigns and their funnels, from the actor's scope."""

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from screening.campaigns.models import Campaign, CampaignQuerySet, Episode, EpisodeStatus
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction

EPISODE = "episode"


def campaigns_visible(*, actor: Actor) -> CampaignQuerySet:
    return Campaign.objects.visible_to(actor.user).select_related("programme")


def campaign_get(*, actor: Actor, campaign_id: int) -> Campaign:
    campaign = campaigns_visible(actor=actor).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


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
    """One episode with its participant, audited; 404 outside the actor's campaigns."""
    episode = (
        Episode.objects.visible_to(actor.user)
        .select_related("patient", "campaign__programme")
        .filter(pk=episode_id)
        .first()
    )
    if episode is None:
        raise Http404("No such episode.")
    audit_record(actor=actor, action=AuditAction.VIEW, object_type=EPISODE, object_id=episode.pk)
    return episode
