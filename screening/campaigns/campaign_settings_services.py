"""Changing a campaign's reading settings and staff: validated, audited and kept as history.

Each episode records the campaign's reading policy, AI thresholds and "AI shown to readers" when
it is imaged (see `episode_services`), and its reads follow what it recorded: a change here
applies only to episodes not yet imaged. An open campaign always keeps the radiologists its
policy needs, so no imaged study waits for a reader who does not exist.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from screening.campaigns.models import (
    RECORDED_SETTINGS,
    Campaign,
    CampaignSettingsChange,
    CampaignStatus,
    ReadingPolicy,
)
from screening.campaigns.reader_requirements import is_radiologist, staff_shortfall
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.core.roles import role_grants

CAMPAIGN = "campaign"
STAFF = "staff"
PREVALENCE = "ai_expected_prevalence"
KEEP = object()  # the prevalence may be cleared (None), so "leave it as it is" needs its own value
RUN_PERMISSION = "campaigns.change_campaign"


def thresholds_error(*, high: float, low: float) -> dict[str, list[str]]:
    """Field errors of a pair of AI thresholds ({} when valid)."""
    errors: dict[str, list[str]] = {}
    for name, value in (("ai_high_suspicion_threshold", high), ("ai_low_suspicion_threshold", low)):
        if not 0.0 <= value <= 1.0:
            errors[name] = ["A threshold is a score between 0 and 1."]
    if not errors and low >= high:
        errors["ai_low_suspicion_threshold"] = ["The low threshold must be below the high threshold."]
    return errors


def prevalence_error(*, prevalence: float | None) -> dict[str, list[str]]:
    """Field errors of an expected prevalence ({} when valid or unset)."""
    if prevalence is None or 0.0 < prevalence < 1.0:
        return {}
    return {PREVALENCE: ["A prevalence is a share strictly between 0 and 1 (e.g. 0.02)."]}


def staff_errors(*, staff: Iterable[User]) -> list[str]:
    """Why some of these users cannot be assigned: inactive, or no role that works a campaign."""
    errors = []
    for user in staff:
        if not user.is_active:
            errors.append(f"{user.get_username()} is not an active user.")
        elif not (is_radiologist(user) or role_grants(user, RUN_PERMISSION)):
            errors.append(f"{user.get_username()} is neither a radiologist nor a coordinator.")
    return errors


@transaction.atomic
def campaign_settings_update(
    *,
    actor: Actor,
    campaign: Campaign,
    reading_policy: str | None = None,
    ai_high_suspicion_threshold: float | None = None,
    ai_low_suspicion_threshold: float | None = None,
    ai_shown_to_readers: bool | None = None,
    ai_expected_prevalence: Any = KEEP,
    staff: Iterable[User] | None = None,
) -> Campaign:
    """Change the given settings (None leaves one as it is); kept as history and audited.

    The expected prevalence (None clears it) is read when a result is shown, not recorded per episode.

    Episodes already imaged keep the settings they recorded. An open campaign is refused a change
    that leaves it without the radiologists its policy needs; nothing is stored on any refusal.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = _settings_of(campaign)
    after = dict(before)
    proposed: dict[str, Any] = {
        "reading_policy": reading_policy,
        "ai_high_suspicion_threshold": ai_high_suspicion_threshold,
        "ai_low_suspicion_threshold": ai_low_suspicion_threshold,
        "ai_shown_to_readers": ai_shown_to_readers,
    }
    after.update({name: value for name, value in proposed.items() if value is not None})
    if ai_expected_prevalence is not KEEP:
        after[PREVALENCE] = ai_expected_prevalence
    staff_users = list(campaign.assigned_staff.all()) if staff is None else list(staff)
    after[STAFF] = sorted(user.get_username() for user in staff_users)
    _validate(campaign, after, staff_users, staff_given=staff is not None)
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if not changes:
        return campaign
    for name in (*RECORDED_SETTINGS, PREVALENCE):
        setattr(campaign, name, after[name])
    campaign.save(update_fields=[*RECORDED_SETTINGS, PREVALENCE, "updated_at"])
    if STAFF in changes:
        campaign.assigned_staff.set(staff_users)
    CampaignSettingsChange.objects.create(
        campaign=campaign, changed_at=timezone.now(), actor=actor.user, changes=changes
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=CAMPAIGN,
        object_id=campaign.pk,
        detail={"settings": changes},
    )
    return campaign


def _settings_of(campaign: Campaign) -> dict[str, Any]:
    current: dict[str, Any] = {name: getattr(campaign, name) for name in (*RECORDED_SETTINGS, PREVALENCE)}
    current[STAFF] = sorted(campaign.assigned_staff.values_list("username", flat=True))
    return current


def _validate(campaign: Campaign, after: dict[str, Any], staff: list[User], *, staff_given: bool) -> None:
    errors: dict[str, list[str]] = {}
    if after["reading_policy"] not in ReadingPolicy.values:
        raise ValidationError({"reading_policy": ["Unknown reading policy."]})
    errors |= thresholds_error(
        high=after["ai_high_suspicion_threshold"], low=after["ai_low_suspicion_threshold"]
    )
    errors |= prevalence_error(prevalence=after[PREVALENCE])
    if staff_given and (problems := staff_errors(staff=staff)):
        errors[STAFF] = problems
    if not errors and campaign.status == CampaignStatus.OPEN:
        shortfall = staff_shortfall(reading_policy=after["reading_policy"], staff=staff)
        if shortfall:
            field = STAFF if staff_given else "reading_policy"
            errors[field] = [f"This campaign is open: {shortfall[0].lower()}{shortfall[1:]}"]
    if errors:
        raise ValidationError(errors)
