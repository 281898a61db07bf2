from datetime import date, timedelta

import pytest
from django.utils import timezone

from screening.campaigns.models import (
    Campaign,
    CampaignStatus,
    Episode,
    EpisodeStatus,
    EpisodeStatusEvent,
    ReadingPolicy,
)
from screening.core.models import AuditEvent
from screening.patients.models import Sex
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, programme

CAMPAIGNS = "/api/v1/campaigns/"
EPISODES = "/api/v1/episodes/"
PROGRAMMES = "/api/v1/programmes/"


def campaign_url(campaign, suffix: str = "") -> str:
    return f"{CAMPAIGNS}{campaign.pk}/{suffix}"


def episode_url(episode, suffix: str = "") -> str:
    return f"{EPISODES}{episode.pk}/{suffix}"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# Programmes ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_programmes_are_listed_for_everyone_who_sees_campaigns(coordinator_api, radiologist_api):
    breast = programme("breast")

    listed = coordinator_api.get(PROGRAMMES)
    one = radiologist_api.get(f"{PROGRAMMES}{breast.pk}/")

    assert {row["code"] for row in listed.json()["results"]} == {"breast", "lung"}
    assert one.status_code == 200
    assert one.json()["views"] == ["R-CC", "L-CC", "R-MLO", "L-MLO"]


@pytest.mark.django_db
def test_auditor_is_refused_programmes_campaigns_and_episodes(auditor_api, campaign):
    for url in (PROGRAMMES, CAMPAIGNS, campaign_url(campaign), EPISODES):
        assert auditor_api.get(url).status_code == 403, url


@pytest.mark.django_db
def test_anonymous_campaign_requests_are_unauthenticated(anonymous_api, campaign):
    assert anonymous_api.get(CAMPAIGNS).status_code == 401
    assert anonymous_api.post(campaign_url(campaign, "status/"), {"status": "closed"}).status_code == 401
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


# Campaigns ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_campaign_list_filters_by_status_and_programme(coordinator_api):
    breast_open = CampaignFactory(programme=programme("breast"))
    breast_draft = CampaignFactory(programme=programme("breast"), status=CampaignStatus.DRAFT)
    lung_open = CampaignFactory(programme=programme("lung"))

    everything = coordinator_api.get(CAMPAIGNS)
    drafts = coordinator_api.get(CAMPAIGNS, {"status": "draft"})
    lung = coordinator_api.get(CAMPAIGNS, {"programme": "lung"})
    breast_and_open = coordinator_api.get(CAMPAIGNS, {"programme": "breast", "status": "open"})

    assert everything.json()["count"] == 3
    assert ids(drafts) == [breast_draft.pk]
    assert ids(lung) == [lung_open.pk]
    assert ids(breast_and_open) == [breast_open.pk]


@pytest.mark.django_db
def test_campaign_list_rejects_an_unknown_status_filter(coordinator_api):
    response = coordinator_api.get(CAMPAIGNS, {"status": "paused"})
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.django_db
def test_creating_a_campaign_stores_a_draft_and_audits_it(coordinator_api, coordinator):
    payload = {
        "programme": "lung",
        "name": "Lung 2026 Leeds",
        "site": "Leeds",
        "start_date": "2026-01-05",
        "end_date": "2026-06-30",
    }

    response = coordinator_api.post(CAMPAIGNS, payload, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["programme"], body["status"], body["reading_policy"]) == ("lung", "draft", "double_blind")
    campaign = Campaign.objects.get(pk=body["id"])
    assert campaign.created_by == coordinator
    assert AuditEvent.objects.filter(
        action="create", object_type="campaign", object_id=str(campaign.pk)
    ).exists()


@pytest.mark.django_db
def test_a_campaign_ending_before_it_starts_is_a_400_and_stores_nothing(coordinator_api):
    payload = {
        "programme": "breast",
        "name": "Backwards",
        "site": "Leeds",
        "start_date": "2026-06-30",
        "end_date": "2026-01-05",
    }

    response = coordinator_api.post(CAMPAIGNS, payload, format="json")

    assert response.status_code == 400
    assert response.json() == {"end_date": ["The campaign ends before it starts."]}
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_a_campaign_of_an_unknown_programme_is_a_400(coordinator_api):
    payload = {
        "programme": "dental",
        "name": "X",
        "site": "Y",
        "start_date": "2026-01-01",
        "end_date": "2026-02-01",
    }

    response = coordinator_api.post(CAMPAIGNS, payload, format="json")

    assert response.status_code == 400
    assert "programme" in response.json()
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_campaign_detail_counts_episodes_per_status(coordinator_api, campaign):
    EpisodeFactory.create_batch(2, campaign=campaign, status=EpisodeStatus.INVITED)
    EpisodeFactory(campaign=campaign, status=EpisodeStatus.ATTENDED)

    response = coordinator_api.get(campaign_url(campaign))

    assert response.status_code == 200
    funnel = {step["status"]: step["count"] for step in response.json()["funnel"]}
    assert funnel["invited"] == 2
    assert funnel["attended"] == 1
    assert sum(funnel.values()) == 3


@pytest.mark.django_db
def test_opening_a_draft_campaign_and_refusing_to_reopen_a_closed_one(coordinator_api, radiologist):
    campaign = CampaignFactory(status=CampaignStatus.DRAFT, reading_policy=ReadingPolicy.SINGLE)
    campaign.assigned_staff.add(radiologist)

    opened = coordinator_api.post(campaign_url(campaign, "status/"), {"status": "open"}, format="json")
    closed = coordinator_api.post(campaign_url(campaign, "status/"), {"status": "closed"}, format="json")
    reopened = coordinator_api.post(campaign_url(campaign, "status/"), {"status": "open"}, format="json")

    assert (opened.status_code, closed.status_code) == (200, 200)
    assert reopened.status_code == 400
    assert reopened.json() == {"non_field_errors": ["A closed campaign cannot become open."]}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED


@pytest.mark.django_db
def test_assigning_staff_replaces_the_list_by_username(coordinator_api, radiologist):
    campaign = CampaignFactory(reading_policy=ReadingPolicy.SINGLE)
    response = coordinator_api.post(
        campaign_url(campaign, "staff/"), {"staff": ["radiologist"]}, format="json"
    )
    unknown = coordinator_api.post(campaign_url(campaign, "staff/"), {"staff": ["nobody"]}, format="json")

    assert response.status_code == 200
    assert response.json()["assigned_staff"] == ["radiologist"]
    assert unknown.status_code == 400
    assert list(campaign.assigned_staff.all()) == [radiologist]


# Cohort and invitations ---------------------------------------------------------------------


@pytest.fixture
def cohort(campaign):
    """Two women of screening age (eligible for breast screening), a man and a young woman (not)."""
    eligible = PatientFactory.create_batch(2)
    man = PatientFactory(sex=Sex.MALE)
    young = PatientFactory(date_of_birth=timezone.localdate() - timedelta(days=365 * 30))
    return {"eligible": eligible, "not_eligible": [man, young]}


@pytest.mark.django_db
def test_eligible_lists_only_eligible_patients_and_is_audited(coordinator_api, campaign, cohort):
    response = coordinator_api.get(campaign_url(campaign, "eligible/"))

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert set(ids(response)) == {patient.pk for patient in cohort["eligible"]}
    event = AuditEvent.objects.get(action="list", object_type="patient")
    assert event.detail == {"cohort_of_campaign": campaign.pk}


@pytest.mark.django_db
def test_radiologist_may_not_see_the_cohort_even_of_an_assigned_campaign(
    radiologist_api, radiologist, campaign
):
    campaign.assigned_staff.add(radiologist)
    assert radiologist_api.get(campaign_url(campaign, "eligible/")).status_code == 403


@pytest.mark.django_db
def test_inviting_chosen_patients_creates_invited_episodes(coordinator_api, campaign, cohort):
    chosen = cohort["eligible"][0]

    response = coordinator_api.post(
        campaign_url(campaign, "invitations/"), {"patient_ids": [chosen.pk]}, format="json"
    )

    assert response.status_code == 201
    assert response.json() == {"invited": 1}
    episode = Episode.objects.get(campaign=campaign)
    assert (episode.patient, episode.status) == (chosen, EpisodeStatus.INVITED)


@pytest.mark.django_db
def test_inviting_all_invites_everyone_eligible(coordinator_api, campaign, cohort):
    response = coordinator_api.post(campaign_url(campaign, "invitations/"), {"all": True}, format="json")

    assert response.json() == {"invited": 2}
    assert set(Episode.objects.values_list("patient_id", flat=True)) == {p.pk for p in cohort["eligible"]}


@pytest.mark.django_db
def test_inviting_a_non_eligible_patient_is_a_400_and_invites_nobody(coordinator_api, campaign, cohort):
    chosen = [cohort["eligible"][0].pk, cohort["not_eligible"][0].pk]

    response = coordinator_api.post(
        campaign_url(campaign, "invitations/"), {"patient_ids": chosen}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["1 of the chosen participants are not eligible."]}
    assert not Episode.objects.exists()
    assert not EpisodeStatusEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{}, {"all": True, "patient_ids": [1]}, {"patient_ids": []}])
def test_an_invitation_names_either_patients_or_all(coordinator_api, campaign, cohort, payload):
    response = coordinator_api.post(campaign_url(campaign, "invitations/"), payload, format="json")

    assert response.status_code == 400
    assert not Episode.objects.exists()


@pytest.mark.django_db
def test_a_draft_campaign_sends_no_invitations(coordinator_api, cohort):
    draft = CampaignFactory(status=CampaignStatus.DRAFT)

    response = coordinator_api.post(campaign_url(draft, "invitations/"), {"all": True}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Invitations are sent only while the campaign is open."]}
    assert not Episode.objects.exists()


# Episodes -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_episode_list_filters_by_campaign_status_and_patient(coordinator_api, campaign):
    invited = EpisodeFactory(campaign=campaign, status=EpisodeStatus.INVITED)
    attended = EpisodeFactory(campaign=campaign, status=EpisodeStatus.ATTENDED)
    elsewhere = EpisodeFactory(status=EpisodeStatus.INVITED)

    by_campaign = coordinator_api.get(EPISODES, {"campaign": campaign.pk})
    by_status = coordinator_api.get(EPISODES, {"status": "invited"})
    by_patient = coordinator_api.get(EPISODES, {"patient": attended.patient_id})

    assert set(ids(by_campaign)) == {invited.pk, attended.pk}
    assert set(ids(by_status)) == {invited.pk, elsewhere.pk}
    assert ids(by_patient) == [attended.pk]
    assert by_patient.json()["results"][0]["patient"]["identifier"] == attended.patient.identifier


@pytest.mark.django_db
def test_listing_episodes_is_audited_with_its_filters(coordinator_api, campaign):
    coordinator_api.get(EPISODES, {"campaign": campaign.pk, "status": "invited"})

    event = AuditEvent.objects.get(action="list", object_type="episode")
    assert event.detail == {"campaign": campaign.pk, "status": "invited", "patient": None}


@pytest.fixture
def invited_episode(coordinator_api, campaign):
    """An episode created by a real invitation, so it has its eligible -> invited history."""
    patient = PatientFactory()
    coordinator_api.post(campaign_url(campaign, "invitations/"), {"patient_ids": [patient.pk]}, format="json")
    return Episode.objects.get(patient=patient)


@pytest.mark.django_db
def test_episode_detail_shows_the_status_history_and_is_audited(coordinator_api, invited_episode):
    response = coordinator_api.get(episode_url(invited_episode))

    assert response.status_code == 200
    steps = [(step["from_status"], step["to_status"]) for step in response.json()["history"]]
    assert steps == [("", "eligible"), ("eligible", "invited")]
    assert AuditEvent.objects.filter(
        action="view", object_type="episode", object_id=str(invited_episode.pk)
    ).exists()


@pytest.mark.django_db
def test_a_legal_transition_moves_the_episode_and_adds_a_step(coordinator_api, invited_episode):
    response = coordinator_api.post(
        episode_url(invited_episode, "transition/"),
        {"to_status": "did_not_attend", "note": "No show"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "did_not_attend"
    assert response.json()["history"][-1] == {
        "from_status": "invited",
        "to_status": "did_not_attend",
        "result": "",
        "occurred_at": response.json()["history"][-1]["occurred_at"],
        "actor": "coordinator",
        "note": "No show",
    }


@pytest.mark.django_db
def test_an_illegal_transition_is_a_400_and_changes_nothing(coordinator_api, invited_episode):
    steps_before = invited_episode.status_events.count()

    response = coordinator_api.post(
        episode_url(invited_episode, "transition/"), {"to_status": "read"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["An episode cannot go from Invited to Read."]}
    invited_episode.refresh_from_db()
    assert invited_episode.status == EpisodeStatus.INVITED
    assert invited_episode.status_events.count() == steps_before


# Radiologist scope --------------------------------------------------------------------------


@pytest.fixture
def assigned_and_other(radiologist):
    assigned = CampaignFactory(start_date=date(2026, 1, 1))
    assigned.assigned_staff.add(radiologist)
    other = CampaignFactory(start_date=date(2025, 1, 1))
    return {
        "assigned": assigned,
        "other": other,
        "assigned_episode": EpisodeFactory(campaign=assigned),
        "other_episode": EpisodeFactory(campaign=other),
    }


@pytest.mark.django_db
def test_radiologist_sees_only_assigned_campaigns_and_their_episodes(radiologist_api, assigned_and_other):
    world = assigned_and_other

    assert ids(radiologist_api.get(CAMPAIGNS)) == [world["assigned"].pk]
    assert ids(radiologist_api.get(EPISODES)) == [world["assigned_episode"].pk]
    assert radiologist_api.get(campaign_url(world["assigned"])).status_code == 200
    assert radiologist_api.get(campaign_url(world["other"])).status_code == 404
    assert radiologist_api.get(episode_url(world["assigned_episode"])).status_code == 200
    assert radiologist_api.get(episode_url(world["other_episode"])).status_code == 404


@pytest.mark.django_db
def test_radiologist_may_not_create_campaigns_or_move_episodes(radiologist_api, assigned_and_other):
    episode = assigned_and_other["assigned_episode"]

    created = radiologist_api.post(CAMPAIGNS, {}, format="json")
    moved = radiologist_api.post(
        episode_url(episode, "transition/"), {"to_status": "attended"}, format="json"
    )

    assert (created.status_code, moved.status_code) == (403, 403)
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.INVITED
