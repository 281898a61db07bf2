"""Changing a campaign's models from the promotion page: running a version in shadow, promoting it
through the gate (or past it, with a reason) and rolling back; each an administrator's action, kept
as a row and audited. New studies are scored by the new active model from then on."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from screening.campaigns.models import Campaign, CampaignSettingsChange
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome
from screening.inference_jobs.model_choice import campaign_model
from screening.promotion.comparison_selectors import campaign_comparison, model_key, registered_models
from screening.promotion.models import PromotionEvent, PromotionKind

PROMOTE_PERMISSION = "promotion.promote_model"
CAMPAIGN_MODELS = "campaign_models"


def _refuse_unless_admin(*, actor: Actor, campaign: Campaign, action: str, person: bool = True) -> None:
    """PermissionDenied, audited, unless the administrator's permission is held: by a person (a
    promotion and a roll-back name who did it), or also by a system process (`person` False: the
    demo's cohort generator runs a version in shadow)."""
    if actor.has_perm(PROMOTE_PERMISSION) and (actor.user is not None or not person):
        return
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=CAMPAIGN_MODELS,
        object_id=campaign.pk,
        outcome=AuditOutcome.DENIED,
        detail={"action": action},
    )
    raise PermissionDenied("Only an administrator changes a campaign's models.")


def _models_change(*, actor: Actor, campaign: Campaign, active: str, shadow: str) -> dict[str, list[str]]:
    """Set the campaign's active and shadow model; the change kept in its settings history."""
    changes = {
        name: [getattr(campaign, name), value]
        for name, value in (("ai_model_name", active), ("ai_shadow_model_name", shadow))
        if getattr(campaign, name) != value
    }
    campaign.ai_model_name, campaign.ai_shadow_model_name = active, shadow
    campaign.save(update_fields=["ai_model_name", "ai_shadow_model_name", "updated_at"])
    if changes:
        CampaignSettingsChange.objects.create(
            campaign=campaign, changed_at=timezone.now(), actor=actor.user, changes=changes
        )
    return changes


def shadow_model_set(*, actor: Actor, campaign: Campaign, model: str) -> Campaign:
    """Run `model` (name:version, registered for the campaign's programme) in shadow, or none (blank)."""
    return _model_set(actor=actor, campaign=campaign, role="shadow", model=model)


def active_model_set(*, actor: Actor, campaign: Campaign, model: str) -> Campaign:
    """Score the campaign's new studies with `model` (name:version, registered for its programme), or
    the programme's latest model (blank); the demo's generator pins an earlier round to the version
    it was screened with. A version that ran in shadow stops doing so."""
    return _model_set(actor=actor, campaign=campaign, role="active", model=model)


def _model_set(*, actor: Actor, campaign: Campaign, role: str, model: str) -> Campaign:
    """Set the campaign's `role` ("active" or "shadow") model, by an administrator or a system process."""
    _refuse_unless_admin(actor=actor, campaign=campaign, action=role, person=False)
    with transaction.atomic():  # a refusal above is audited; nothing below is kept on one
        campaign = Campaign.objects.select_for_update().select_related("programme").get(pk=campaign.pk)
        model = model.strip()
        if model and model not in registered_models(campaign.programme):
            raise ValidationError({"model": [f"{model} is not a registered model of this programme."]})
        if role == "shadow":
            if model and model == model_key(campaign_model(campaign)):
                raise ValidationError({"model": ["That version is the campaign's active model."]})
            active, shadow = campaign.ai_model_name, model
        else:
            shadow = campaign.ai_shadow_model_name
            active, shadow = model, "" if model and model == shadow else shadow
        changes = _models_change(actor=actor, campaign=campaign, active=active, shadow=shadow)
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            object_type=CAMPAIGN_MODELS,
            object_id=campaign.pk,
            detail={role: model, "changes": changes},
        )
        return campaign


def model_promote(*, actor: Actor, campaign: Campaign, override_reason: str = "") -> PromotionEvent:
    """Make the shadow version the campaign's active model (the replaced one runs on in shadow):
    the gate's criteria met, or an override with its reason."""
    _refuse_unless_admin(actor=actor, campaign=campaign, action=PromotionKind.PROMOTION)
    with transaction.atomic():  # a refusal above is audited; nothing below is kept on one
        campaign = Campaign.objects.select_for_update().select_related("programme").get(pk=campaign.pk)
        current = campaign_comparison(campaign=campaign)
        if current.shadow is None or current.active is None or current.gate is None:
            raise ValidationError("This campaign runs no model in shadow: nothing to promote.")
        reason = override_reason.strip()
        if not current.gate.met and not reason:
            raise ValidationError(
                {
                    "override_reason": [
                        "The gate's criteria are not met: promoting needs an override with a reason."
                    ]
                }
            )
        return _event_record(
            actor=actor,
            campaign=campaign,
            kind=PromotionKind.PROMOTION,
            from_model=model_key(current.active),
            to_model=model_key(current.shadow),
            criteria=current.gate.as_dict(),
            criteria_met=current.gate.met,
            reason="" if current.gate.met else reason,
        )


def model_roll_back(*, actor: Actor, campaign: Campaign, reason: str) -> PromotionEvent:
    """Make the version the last promotion replaced active again, with a reason (no gate: going back
    to the version that was in service must not wait for evidence); the demoted one runs in shadow."""
    _refuse_unless_admin(actor=actor, campaign=campaign, action=PromotionKind.ROLLBACK)
    with transaction.atomic():  # a refusal above is audited; nothing below is kept on one
        campaign = Campaign.objects.select_for_update().select_related("programme").get(pk=campaign.pk)
        current = campaign_comparison(campaign=campaign)
        if not current.rollback_to:
            raise ValidationError("No promotion to roll back: the latest change was not a promotion.")
        if not reason.strip():
            raise ValidationError({"reason": ["A roll-back needs a reason."]})
        return _event_record(
            actor=actor,
            campaign=campaign,
            kind=PromotionKind.ROLLBACK,
            from_model=model_key(current.active),
            to_model=current.rollback_to,
            criteria=current.gate.as_dict() if current.gate is not None else {},
            criteria_met=current.gate.met if current.gate is not None else False,
            reason=reason.strip(),
        )


def _event_record(
    *,
    actor: Actor,
    campaign: Campaign,
    kind: str,
    from_model: str,
    to_model: str,
    criteria: dict[str, dict[str, object]],
    criteria_met: bool,
    reason: str,
) -> PromotionEvent:
    changes = _models_change(actor=actor, campaign=campaign, active=to_model, shadow=from_model)
    assert actor.user is not None  # _refuse_unless_admin let only a person through
    event = PromotionEvent.objects.create(
        campaign=campaign,
        kind=kind,
        occurred_at=timezone.now(),
        actor=actor.user,
        from_model=from_model,
        to_model=to_model,
        criteria=criteria,
        criteria_met=criteria_met,
        override_reason=reason,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=CAMPAIGN_MODELS,
        object_id=campaign.pk,
        detail={
            "event": event.pk,
            "kind": kind,
            "from": from_model,
            "to": to_model,
            "criteria_met": criteria_met,
            "override": bool(reason) and kind == PromotionKind.PROMOTION,
            "changes": changes,
        },
    )
    return event
