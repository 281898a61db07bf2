"""Creating, opening and closing campaigns, assigning staff, and inviting the cohort."""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from screening.campaigns.accession_numbers import episodes_accession_assign
from screening.campaigns.campaign_settings_services import campaign_settings_update, thresholds_error
from screening.campaigns.cohort_selectors import cohort_eligible
from screening.campaigns.episode_signals import episodes_changed_send
from screening.campaigns.models import (
    DEFAULT_HIGH_THRESHOLD,
    DEFAULT_LOW_THRESHOLD,
    Campaign,
    CampaignStatus,
    Episode,
    EpisodeStatus,
    EpisodeStatusEvent,
    Programme,
    ReadingPolicy,
)
from screening.campaigns.reader_requirements import staff_shortfall
from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.event_clock import event_now
from screening.core.models import AuditAction

CAMPAIGN = "campaign"
EPISODE = "episode"
INVITE_BATCH = 2000


@transaction.atomic
def campaign_create(
    *,
    actor: Actor,
    programme: Programme,
    name: str,
    site: str,
    start_date: date,
    end_date: date,
    reading_policy: str = ReadingPolicy.DOUBLE_BLIND,
    ai_enabled: bool = True,
    ai_shown_to_readers: bool = True,
    ai_high_suspicion_threshold: float = DEFAULT_HIGH_THRESHOLD,
    ai_low_suspicion_threshold: float = DEFAULT_LOW_THRESHOLD,
) -> Campaign:
    """Create a campaign in draft."""
    errors: dict[str, list[str]] = {}
    if end_date < start_date:
        errors["end_date"] = ["The campaign ends before it starts."]
    if reading_policy not in ReadingPolicy.values:
        errors["reading_policy"] = ["Unknown reading policy."]
    errors |= thresholds_error(high=ai_high_suspicion_threshold, low=ai_low_suspicion_threshold)
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        programme=programme,
        name=name.strip(),
        site=site.strip(),
        start_date=start_date,
        end_date=end_date,
        reading_policy=reading_policy,
        ai_enabled=ai_enabled,
        ai_shown_to_readers=ai_shown_to_readers,
        ai_high_suspicion_threshold=ai_high_suspicion_threshold,
        ai_low_suspicion_threshold=ai_low_suspicion_threshold,
        created_by=actor.user,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, object_type=CAMPAIGN, object_id=campaign.pk)
    return campaign


@transaction.atomic
def campaign_set_status(*, actor: Actor, campaign: Campaign, status: str) -> Campaign:
    """Open a draft campaign (with the radiologists its policy needs) or close an open one."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    allowed = {
        CampaignStatus.DRAFT: {CampaignStatus.OPEN},
        CampaignStatus.OPEN: {CampaignStatus.CLOSED},
        CampaignStatus.CLOSED: set(),
    }
    if status not in allowed[CampaignStatus(campaign.status)]:
        raise ValidationError(f"A {campaign.get_status_display().lower()} campaign cannot become {status}.")
    if status == CampaignStatus.OPEN:
        staff = campaign.assigned_staff.all()
        if shortfall := staff_shortfall(reading_policy=campaign.reading_policy, staff=staff):
            raise ValidationError(f"Assign the readers before opening: {shortfall[0].lower()}{shortfall[1:]}")
    previous = campaign.status
    campaign.status = status
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=CAMPAIGN,
        object_id=campaign.pk,
        detail={"from": previous, "to": status},
    )
    return campaign


@transaction.atomic
def campaign_assign_staff(*, actor: Actor, campaign: Campaign, users: Iterable[User]) -> Campaign:
    """Set the readers and coordinators assigned to a campaign (a settings change: see
    `campaign_settings_update`)."""
    return campaign_settings_update(actor=actor, campaign=campaign, staff=users)


@transaction.atomic
def cohort_invite(*, actor: Actor, campaign: Campaign, patient_ids: Iterable[int] | None = None) -> int:
    """Invite eligible participants in bulk (all of them, or the chosen ones); returns how many.

    Chosen ids that are not eligible refuse the whole invitation: nothing is stored.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError("Invitations are sent only while the campaign is open.")
    eligible = cohort_eligible(campaign=campaign)
    if patient_ids is None:
        ids = list(eligible.values_list("pk", flat=True))
    else:
        ids = sorted(set(patient_ids))
        eligible_ids = set(eligible.filter(pk__in=ids).values_list("pk", flat=True))
        if len(eligible_ids) != len(ids):
            raise ValidationError(
                f"{len(ids) - len(eligible_ids)} of the chosen participants are not eligible."
            )
    now = event_now()
    episodes = Episode.objects.bulk_create(
        [
            Episode(
                patient_id=pk,
                campaign=campaign,
                status=EpisodeStatus.INVITED,
                status_changed_at=now,
                invited_at=now,
            )
            for pk in ids
        ],
        batch_size=INVITE_BATCH,
    )
    if episodes and episodes[0].pk is None:  # backends that return no ids from bulk_create
        episodes = list(Episode.objects.filter(campaign=campaign, patient_id__in=ids))
    events = []
    for episode in episodes:
        events.append(
            EpisodeStatusEvent(
                episode=episode,
                from_status="",
                to_status=EpisodeStatus.ELIGIBLE,
                occurred_at=now,
                actor=actor.user,
            )
        )
        events.append(
            EpisodeStatusEvent(
                episode=episode,
                from_status=EpisodeStatus.ELIGIBLE,
                to_status=EpisodeStatus.INVITED,
                occurred_at=now,
                actor=actor.user,
            )
        )
    EpisodeStatusEvent.objects.bulk_create(events, batch_size=INVITE_BATCH)
    for start in range(0, len(episodes), INVITE_BATCH):
        episodes_accession_assign(episode_ids=(e.pk for e in episodes[start : start + INVITE_BATCH]))
    episodes_changed_send(episode.pk for episode in episodes)
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(AuditAction.CREATE, EPISODE, e.pk, detail={"campaign": campaign.pk, "to": "invited"})
            for e in episodes
        ],
    )
    return len(episodes)
