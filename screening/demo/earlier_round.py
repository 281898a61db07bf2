"""An earlier screening round of the synthetic cohort, replayed on the days it happened.

A round screened today has no follow-up yet: its routine results stay "unknown" until the
programme's interval has passed, and no interval cancer has surfaced. So the demo also screens a
round months or years ago: its participants are invited three weeks before their screening day,
attend and are imaged on the day their DICOM StudyDate says, and (`read_simulation`) are read a
few days later. Every step goes through the same services, inside `events_dated`, so the event
times (invitation, history steps, consent) are those of the round, while the record times
(`created_at`, the audit trail) say truthfully that the rows were written today.
"""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inference.synthetic.cohort import SyntheticStudy, cohort_dated
from screening.campaigns import campaign_services
from screening.campaigns.campaign_selectors import radiologists_active
from screening.campaigns.models import Campaign, CampaignStatus, Programme, ReadingPolicy
from screening.campaigns.reader_requirements import RADIOLOGISTS_NEEDED
from screening.core.actors import Actor
from screening.core.event_clock import events_dated

EARLIER_ROUND = "synthetic cohort, earlier round"
ROUND_DAYS = 28  # the studies of a round are spread over four weeks from its first day
INVITED_DAYS_BEFORE = 21
INVITATION_TIME = time(9, 0)
IMAGES_SENT_AFTER = timedelta(minutes=15)  # the modality sends the images after the visit


def round_days(first_day: date, today: date) -> int:
    """How many days the round spreads over: four weeks, fewer when it started less than four
    weeks ago; refused unless it started before today."""
    if first_day >= today:
        raise ValidationError(f"An earlier round is screened before today, not on {first_day}.")
    return max(1, min(ROUND_DAYS, (today - first_day).days))


def at_local(day: date, moment: time) -> datetime:
    """The day and time in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, moment))


def invitations_sent_at(campaign: Campaign) -> datetime:
    """When the earlier round's invitations went out: on its campaign's first day, three weeks
    before its first screening day."""
    return at_local(campaign.start_date, INVITATION_TIME)


def screened_at(study: SyntheticStudy) -> datetime:
    """When the participant attended: the study's DICOM StudyDate and StudyTime."""
    return at_local(study.study_date, study.study_time)


@contextmanager
def dated(at: datetime | None) -> Iterator[None]:
    """Events in the block happen at `at` (an earlier round), or now (`at` None: today's round)."""
    with events_dated(at) if at is not None else nullcontext():
        yield


def round_campaign_open(
    actor: Actor, programme_code: str, plan: list[SyntheticStudy], first_day: date
) -> tuple[Campaign, list[SyntheticStudy]]:
    """The earlier round's campaign, from its invitations to its last study, and the plan dated on
    its days. Generating the cohort again (on any day) finds the campaign its participants are in
    and keeps that round's days."""
    programme = Programme.objects.get(code=programme_code)
    existing = (
        Campaign.objects.filter(
            programme=programme,
            name__endswith=EARLIER_ROUND,
            episodes__patient__identifier__in=[study.participant.identifier for study in plan],
        )
        .distinct()
        .first()
    )
    if existing is not None:
        first_day = existing.start_date + timedelta(days=INVITED_DAYS_BEFORE)
    dated_plan = cohort_dated(plan, first_day, days=round_days(first_day, timezone.localdate()))
    if existing is not None:
        return existing, dated_plan
    name = f"{programme.name} {first_day:%B %Y}: {EARLIER_ROUND}"
    start = first_day - timedelta(days=INVITED_DAYS_BEFORE)
    end = max(study.study_date for study in dated_plan)
    return synthetic_campaign_open(actor, programme, name, start, end), dated_plan


@transaction.atomic
def synthetic_campaign_open(
    actor: Actor, programme: Programme, name: str, start: date, end: date
) -> Campaign:
    """A new open campaign read by every active radiologist: double read when there are enough of
    them, else single read; refused (nothing opened) when there is no radiologist to read it."""
    readers = list(radiologists_active())
    double = len(readers) >= RADIOLOGISTS_NEEDED[ReadingPolicy.DOUBLE_BLIND]
    campaign = campaign_services.campaign_create(
        actor=actor,
        programme=programme,
        name=name,
        site="Synthetic screening unit",
        start_date=start,
        end_date=end,
        reading_policy=ReadingPolicy.DOUBLE_BLIND if double else ReadingPolicy.SINGLE,
    )
    campaign_services.campaign_assign_staff(actor=actor, campaign=campaign, users=readers)
    return campaign_services.campaign_set_status(actor=actor, campaign=campaign, status=CampaignStatus.OPEN)
