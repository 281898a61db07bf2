"""Reading the comparison of a campaign's active and shadow models: the studies both scored, their
episodes' truth, the gate's criteria and verdict, the model cards and the promotion history.

The shadow's results are read here through ``InferenceResult.all_roles`` and nowhere else in the
product; the figures shown are aggregates, and opening the page is audited.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from screening.campaigns.models import Campaign, Programme
from screening.core.actors import Actor
from screening.core.audited_reads import audited_get
from screening.inference_jobs.model_choice import (
    ModelChoice,
    campaign_model,
    campaign_shadow_model,
    model_root,
)
from screening.inference_jobs.models import InferenceResult
from screening.promotion.comparison_figures import CANCER, NO_CANCER, UNKNOWN, Comparison, PairedScores
from screening.promotion.comparison_figures import comparison_compute as figures_compute
from screening.promotion.models import PromotionCriteria, PromotionEvent, PromotionKind
from screening.promotion.promotion_gate import GateCriteria, GateResult, gate_evaluate
from screening.statistics.accuracy_counts import NEGATIVE, POSITIVE, truth_class
from screening.statistics.models import EpisodeKpiFacts
from screening.statistics.outcome_facts import truth_now

COMPARISON = "model_comparison"
TRUTH_OF_CLASS = {POSITIVE: CANCER, NEGATIVE: NO_CANCER}


@dataclass(frozen=True)
class CampaignComparison:
    """Everything the comparison page shows for one campaign."""

    campaign: Campaign
    active: ModelChoice | None
    shadow: ModelChoice | None
    comparison: Comparison | None
    gate: GateResult | None
    criteria: GateCriteria
    active_card: dict[str, Any] | None
    shadow_card: dict[str, Any] | None
    events: list[PromotionEvent]
    registered: list[str]  # name:version of the programme's registered models, for the shadow choice

    @property
    def rollback_to(self) -> str:
        """The version the last promotion replaced, while it is the latest change (else blank)."""
        latest = self.events[0] if self.events else None
        return latest.from_model if latest is not None and latest.kind == PromotionKind.PROMOTION else ""


def model_key(choice: ModelChoice | None) -> str:
    return f"{choice.name}:{choice.version}" if choice is not None else ""


def criteria_for(programme: Programme) -> GateCriteria:
    """The programme's criteria, or the defaults where it has none."""
    row = PromotionCriteria.objects.filter(programme=programme).first() or PromotionCriteria()
    return GateCriteria(
        minimum_studies=row.minimum_studies, minimum_cancers=row.minimum_cancers, auc_margin=row.auc_margin
    )


def paired_scores(*, campaign: Campaign, active: ModelChoice, shadow: ModelChoice) -> PairedScores:
    """The campaign's studies scored by both versions (whichever role each had then), with truth."""
    wanted = Q(model_name=active.name, model_version=active.version) | Q(
        model_name=shadow.name, model_version=shadow.version
    )
    rows = (
        InferenceResult.all_roles.filter(wanted, study__episode__campaign=campaign)
        .order_by()
        .values_list("study_id", "study__episode_id", "model_name", "model_version", "study_score", "band")
    )
    scores: dict[int, dict[str, tuple[float, str]]] = {}
    episode_of: dict[int, int] = {}
    for study_id, episode_id, name, version, score, band in rows:
        scores.setdefault(study_id, {})[f"{name}:{version}"] = (score, band)
        episode_of[study_id] = episode_id
    active_key, shadow_key = model_key(active), model_key(shadow)
    both = [study for study, by_model in scores.items() if active_key in by_model and shadow_key in by_model]
    truth = _truth_of(episode_ids={episode_of[study] for study in both})
    pairs = PairedScores()
    for study in sorted(both):
        pairs.add(scores[study][active_key], scores[study][shadow_key], truth.get(episode_of[study], UNKNOWN))
    return pairs


def _truth_of(*, episode_ids: set[int]) -> dict[int, str]:
    """Each episode's truth as known today: cancer, none or unknown (statistics' outcome facts)."""
    facts = (
        EpisodeKpiFacts.objects.filter(episode_id__in=episode_ids)
        .exclude(truth="")
        .annotate(truth_now=truth_now(timezone.localdate()))
        .annotate(cls=truth_class())
        .values_list("episode_id", "cls")
    )
    return {episode_id: TRUTH_OF_CLASS.get(cls, UNKNOWN) for episode_id, cls in facts}


def _card(choice: ModelChoice | None) -> dict[str, Any] | None:
    from inference.registry import ModelRegistryError, model_card_get

    if choice is None:
        return None
    try:
        return model_card_get(model_root(), choice.name, choice.version).to_dict()
    except (ModelRegistryError, OSError):
        return None


def registered_models(programme: Programme) -> list[str]:
    """name:version of every valid model registered for the programme."""
    from inference.registry import registry_scan

    return [card.key for card in registry_scan(model_root()) if card.programme == programme.code]


def campaign_comparison(*, campaign: Campaign) -> CampaignComparison:
    """The comparison, gate and history of one campaign (not audited: callers audit)."""
    active, shadow = campaign_model(campaign), campaign_shadow_model(campaign)
    criteria = criteria_for(campaign.programme)
    comparison = gate = None
    if active is not None and shadow is not None:
        comparison = figures_compute(paired_scores(campaign=campaign, active=active, shadow=shadow))
        gate = gate_evaluate(
            criteria=criteria, studies=comparison.studies, cancers=comparison.cancers, auc=comparison.auc
        )
    return CampaignComparison(
        campaign=campaign,
        active=active,
        shadow=shadow,
        comparison=comparison,
        gate=gate,
        criteria=criteria,
        active_card=_card(active),
        shadow_card=_card(shadow),
        events=list(campaign.promotion_events.select_related("actor")),
        registered=registered_models(campaign.programme),
    )


def comparison_campaign_get(*, actor: Actor, campaign_id: int) -> Campaign:
    """A campaign of the actor's scope (404 outside it); the read is audited as the comparison's."""
    return audited_get(
        actor=actor,
        queryset=Campaign.objects.visible_to(actor.user).select_related("programme"),
        object_id=campaign_id,
        object_type=COMPARISON,
        missing="No such campaign.",
    )


def comparison_get(*, actor: Actor, campaign_id: int) -> CampaignComparison:
    """The comparison page of a campaign in the actor's scope; audited."""
    return campaign_comparison(campaign=comparison_campaign_get(actor=actor, campaign_id=campaign_id))


@dataclass(frozen=True)
class CampaignModels:
    campaign: Campaign
    active: str
    shadow: str
    events: int


def _programme_model(campaign: Campaign) -> str:
    """A campaign naming no model is scored by its programme's latest registered one: say which."""
    latest = model_key(campaign_model(campaign))
    return f"{latest} (the programme's latest)" if latest else "(no model registered)"


def campaigns_models(*, actor: Actor) -> list[CampaignModels]:
    """The actor's campaigns with their active and shadow model (the list page: no patient data)."""
    campaigns = Campaign.objects.visible_to(actor.user).select_related("programme")
    rows = campaigns.annotate(events=Count("promotion_events")).order_by("-start_date", "name")
    latest: dict[int, str] = {}  # per programme: the registry is read once, not once per campaign
    listed = []
    for campaign in rows:
        if not campaign.ai_model_name and campaign.programme_id not in latest:
            latest[campaign.programme_id] = _programme_model(campaign)
        listed.append(
            CampaignModels(
                campaign=campaign,
                active=campaign.ai_model_name or latest[campaign.programme_id],
                shadow=campaign.ai_shadow_model_name,
                events=campaign.events,  # type: ignore[attr-defined]
            )
        )
    return listed
