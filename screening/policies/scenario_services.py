"""Saving a what-if scenario (the evidence) and applying it to its campaign (an administrator's
audited action that changes the campaign's settings through campaigns' own service)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from screening.campaigns.campaign_settings_services import campaign_settings_update
from screening.campaigns.models import Campaign, ReadingPolicy
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.policies.models import PolicyScenario, ScenarioApplication, ScenarioBase
from screening.policies.policy_replay import Policy
from screening.policies.scenario_selectors import scenario_run

SCENARIO = "policy_scenario"
APPLY_PERMISSION = "policies.apply_policyscenario"
SAVE_PERMISSION = "policies.add_policyscenario"


@transaction.atomic
def scenario_save(*, actor: Actor, campaign: Campaign, policy: Policy, note: str = "") -> PolicyScenario:
    """Run `policy` on the campaign's history and keep the inputs and the figures shown, audited."""
    if actor.user is None or not actor.user.has_perm(SAVE_PERMISSION):
        raise PermissionDenied("Only coordinators and administrators save scenarios.")
    result = scenario_run(user=actor.user, campaign=campaign, policy=policy)
    scenario = PolicyScenario.objects.create(
        campaign=campaign,
        created_at=timezone.now(),
        created_by=actor.user,
        base=policy.base,
        ai_threshold=policy.ai_threshold,
        triage_below=policy.triage_below,
        safety_net_at=policy.safety_net_at,
        note=note,
        results=result.results(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=SCENARIO,
        object_id=scenario.pk,
        detail={"campaign": campaign.pk, "policy": _inputs(scenario)},
    )
    return scenario


def _inputs(scenario: PolicyScenario) -> dict[str, Any]:
    return {
        "base": scenario.base,
        "ai_threshold": scenario.ai_threshold,
        "triage_below": scenario.triage_below,
        "safety_net_at": scenario.safety_net_at,
    }


def scenario_application_error(scenario: PolicyScenario) -> str:
    """Why a scenario cannot be applied to its campaign's settings ("" when it can)."""
    if scenario.triage_below is not None or scenario.safety_net_at is not None:
        return (
            "The reading app has no triage or safety-net rule: a scenario with t1 or t2 is evidence "
            "only and cannot be applied."
        )
    if scenario.base != ScenarioBase.AI_SECOND_READER:
        return "The policy in force changes nothing: there is no threshold to apply."
    return ""


@transaction.atomic
def scenario_apply(*, actor: Actor, scenario: PolicyScenario, reason: str) -> ScenarioApplication:
    """Set the campaign's policy to AI as second reader at the scenario's threshold (episodes already
    imaged keep the settings they recorded); administrators only, with a reason, audited."""
    if actor.user is None or not actor.user.has_perm(APPLY_PERMISSION):
        raise PermissionDenied("Only administrators apply a scenario to a campaign.")
    if problem := scenario_application_error(scenario):
        raise ValidationError(problem)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why this scenario is applied."]})
    campaign = Campaign.objects.select_for_update().get(pk=scenario.campaign_id)
    before = {
        "reading_policy": campaign.reading_policy,
        "ai_high_suspicion_threshold": campaign.ai_high_suspicion_threshold,
    }
    campaign = campaign_settings_update(
        actor=actor,
        campaign=campaign,
        reading_policy=ReadingPolicy.AI_SECOND_READER,
        ai_high_suspicion_threshold=scenario.ai_threshold,
    )
    changes = {
        name: [old, getattr(campaign, name)] for name, old in before.items() if old != getattr(campaign, name)
    }
    application = ScenarioApplication.objects.create(
        scenario=scenario, applied_at=timezone.now(), applied_by=actor.user, reason=reason, changes=changes
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=SCENARIO,
        object_id=scenario.pk,
        detail={"applied_to": campaign.pk, "changes": changes, "reason": reason},
    )
    return application
