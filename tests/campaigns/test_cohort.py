"""Who is eligible for a campaign, inviting them in bulk, and the funnel that follows."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from screening.campaigns.campaign_selectors import campaign_funnel
from screening.campaigns.campaign_services import cohort_invite
from screening.campaigns.cohort_selectors import cohort_eligible, months_before, years_before
from screening.campaigns.models import CampaignStatus, Episode, EpisodeStatus, EpisodeStatusEvent
from screening.core.models import AuditEvent
from screening.patients.consent_services import consent_grant, consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, programme

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def breast():
    return CampaignFactory(programme=programme("breast"), start_date=START, end_date=date(2026, 12, 31))


@pytest.fixture
def lung():
    return CampaignFactory(programme=programme("lung"), start_date=START, end_date=date(2026, 12, 31))


def _eligible(campaign) -> set[int]:
    return set(cohort_eligible(campaign=campaign).values_list("pk", flat=True))


def _aged(years: int, days_after: int = 0, **fields):
    """A participant whose `years`th birthday falls on the start date, born `days_after` later."""
    return PatientFactory(date_of_birth=years_before(START, years) + timedelta(days=days_after), **fields)


# Age, sex, status ---------------------------------------------------------------------------


def test_age_bounds_are_inclusive_on_the_campaign_start_date(breast):
    fifty_today = _aged(50)
    fifty_tomorrow = _aged(50, days_after=1)
    seventy_one_today = _aged(71)
    seventy_one_tomorrow = _aged(71, days_after=1)  # still 70 on the start date
    eligible = _eligible(breast)
    assert fifty_today.pk in eligible
    assert fifty_tomorrow.pk not in eligible
    assert seventy_one_tomorrow.pk in eligible
    assert seventy_one_today.pk not in eligible


def test_each_programme_applies_its_own_ages_and_sexes(breast, lung):
    man_of_60 = _aged(60, sex="M")
    woman_of_52 = _aged(52)
    woman_of_72 = _aged(72)
    assert _eligible(breast) == {woman_of_52.pk}
    assert _eligible(lung) == {man_of_60.pk, woman_of_72.pk}


def test_opted_out_and_deceased_participants_are_not_eligible(breast):
    opted_out = _aged(60, opted_out_at=timezone.now())
    deceased = _aged(60, deceased_on=date(2025, 1, 1))
    alive = _aged(60)
    assert _eligible(breast) == {alive.pk}
    assert opted_out.pk not in _eligible(breast) and deceased.pk not in _eligible(breast)


def test_withdrawn_screening_consent_is_not_eligible_but_none_recorded_is(breast, coordinator_actor):
    never_asked, withdrawn, regranted, ai_withdrawn = (_aged(60) for _ in range(4))
    for patient in (withdrawn, regranted):
        consent_grant(
            actor=coordinator_actor,
            patient=patient,
            scope=ConsentScope.SCREENING,
            method=ConsentMethod.WRITTEN,
        )
        consent_withdraw(
            actor=coordinator_actor,
            patient=patient,
            scope=ConsentScope.SCREENING,
            method=ConsentMethod.WRITTEN,
        )
    consent_grant(
        actor=coordinator_actor, patient=regranted, scope=ConsentScope.SCREENING, method=ConsentMethod.WRITTEN
    )
    consent_grant(
        actor=coordinator_actor,
        patient=ai_withdrawn,
        scope=ConsentScope.AI_READING,
        method=ConsentMethod.WRITTEN,
    )
    consent_withdraw(
        actor=coordinator_actor,
        patient=ai_withdrawn,
        scope=ConsentScope.AI_READING,
        method=ConsentMethod.WRITTEN,
    )
    assert _eligible(breast) == {never_asked.pk, regranted.pk, ai_withdrawn.pk}


# Interval since the last imaging ------------------------------------------------------------


def _imaged_on(patient, campaign, day: date) -> None:
    EpisodeFactory(
        patient=patient,
        campaign=campaign,
        status=EpisodeStatus.CLOSED,
        imaged_at=datetime(day.year, day.month, day.day, 10, tzinfo=LONDON),
    )


def test_imaging_within_the_interval_in_the_same_programme_is_not_eligible(breast):
    earlier_round = CampaignFactory(programme=breast.programme, start_date=date(2024, 1, 1))
    recent, on_the_interval, long_ago = _aged(60), _aged(60), _aged(60)
    _imaged_on(recent, earlier_round, months_before(START, 36) + timedelta(days=1))
    _imaged_on(on_the_interval, earlier_round, months_before(START, 36))
    _imaged_on(long_ago, earlier_round, date(2020, 1, 1))
    assert _eligible(breast) == {on_the_interval.pk, long_ago.pk}


def test_imaging_in_another_programme_does_not_count(breast, lung):
    patient = _aged(60)
    _imaged_on(patient, lung, START - timedelta(days=30))
    assert patient.pk in _eligible(breast)
    assert patient.pk not in _eligible(lung)  # already in that campaign


def test_a_participant_already_in_the_campaign_is_not_eligible_again(breast):
    patient = _aged(60)
    EpisodeFactory(patient=patient, campaign=breast, status=EpisodeStatus.DID_NOT_ATTEND)
    assert _eligible(breast) == set()


# Inviting -----------------------------------------------------------------------------------


def test_inviting_everyone_creates_invited_episodes_with_two_history_rows_each(breast, coordinator_actor):
    patients = [_aged(55), _aged(65)]
    _aged(40)
    assert cohort_invite(actor=coordinator_actor, campaign=breast) == 2
    episodes = Episode.objects.filter(campaign=breast)
    assert {e.patient_id for e in episodes} == {p.pk for p in patients}
    for episode in episodes:
        assert episode.status == EpisodeStatus.INVITED and episode.invited_at is not None
        steps = [(s.from_status, s.to_status, s.actor) for s in episode.status_events.order_by("id")]
        assert steps == [
            ("", "eligible", coordinator_actor.user),
            ("eligible", "invited", coordinator_actor.user),
        ]
    audited = AuditEvent.objects.filter(object_type="episode", action="create")
    assert {int(e.object_id) for e in audited} == {e.pk for e in episodes}
    assert all(e.detail == {"campaign": breast.pk, "to": "invited"} for e in audited)


def test_inviting_again_invites_nobody_twice(breast, coordinator_actor):
    _aged(55)
    assert cohort_invite(actor=coordinator_actor, campaign=breast) == 1
    assert cohort_invite(actor=coordinator_actor, campaign=breast) == 0
    assert Episode.objects.count() == 1


def test_inviting_the_chosen_participants_only(breast, coordinator_actor):
    chosen, other = _aged(55), _aged(65)
    assert cohort_invite(actor=coordinator_actor, campaign=breast, patient_ids=[chosen.pk, chosen.pk]) == 1
    assert set(Episode.objects.values_list("patient_id", flat=True)) == {chosen.pk}
    assert other.pk in _eligible(breast)


def test_a_forged_ineligible_id_refuses_the_whole_invitation(breast, coordinator_actor):
    eligible, too_young = _aged(55), _aged(30)
    with pytest.raises(ValidationError, match="1 of the chosen participants are not eligible"):
        cohort_invite(
            actor=coordinator_actor,
            campaign=breast,
            patient_ids=[
                eligible.pk,
                too_young.pk,
            ],
        )
    with pytest.raises(ValidationError, match="not eligible"):
        cohort_invite(actor=coordinator_actor, campaign=breast, patient_ids=[999999])
    assert not Episode.objects.exists()
    assert not EpisodeStatusEvent.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("status", [CampaignStatus.DRAFT, CampaignStatus.CLOSED])
def test_invitations_need_an_open_campaign(breast, coordinator_actor, status):
    breast.status = status
    breast.save()
    _aged(55)
    with pytest.raises(ValidationError, match="only while the campaign is open"):
        cohort_invite(actor=coordinator_actor, campaign=breast)
    assert not Episode.objects.exists()


# Funnel -------------------------------------------------------------------------------------


def test_the_funnel_counts_episodes_per_status_in_pathway_order(breast):
    for status, count in [(EpisodeStatus.INVITED, 3), (EpisodeStatus.ATTENDED, 2), (EpisodeStatus.CLOSED, 1)]:
        EpisodeFactory.create_batch(count, campaign=breast, status=status)
    EpisodeFactory(status=EpisodeStatus.INVITED)  # another campaign
    funnel = campaign_funnel(campaign=breast)
    assert [status for status, _, _ in funnel] == EpisodeStatus.values
    counts = {status: count for status, _, count in funnel}
    assert counts == {
        "eligible": 0,
        "invited": 3,
        "attended": 2,
        "did_not_attend": 0,
        "opted_out": 0,
        "imaged": 0,
        "read": 0,
        "result_issued": 0,
        "closed": 1,
    }


# Date arithmetic ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [(date(2026, 3, 2), 50, date(1976, 3, 2)), (date(2028, 2, 29), 1, date(2027, 2, 28))],
)
def test_years_before(day, years, expected):
    assert years_before(day, years) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 2), 36, date(2023, 3, 2)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 15), 12, date(2025, 1, 15)),
        (date(2024, 5, 31), 3, date(2024, 2, 29)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_participant_still_on_the_pathway_of_another_round_is_not_eligible(db):
    earlier = CampaignFactory()
    later = CampaignFactory()
    episode = EpisodeFactory(campaign=earlier, status=EpisodeStatus.ATTENDED)
    assert episode.patient not in cohort_eligible(campaign=later)
    episode.status = EpisodeStatus.CLOSED
    episode.save()
    assert episode.patient in cohort_eligible(campaign=later)
