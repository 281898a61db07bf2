"""The campaign pages: create, open, invite, close; what radiologists and auditors see."""

from datetime import date

import pytest
from django.urls import reverse

from screening.campaigns.models import Campaign, CampaignStatus, Episode, EpisodeStatus, ReadingPolicy
from screening.core.roles import Role
from screening.patients.consent_services import consent_grant
from screening.patients.models import ConsentMethod, ConsentScope
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, UserFactory, programme

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _status(campaign) -> str:
    campaign.refresh_from_db()
    return campaign.status


# Coordinator: the campaign's life -----------------------------------------------------------


def test_a_coordinator_creates_opens_invites_and_closes_a_campaign(coordinator_client):
    eligible = PatientFactory.create_batch(3)
    PatientFactory(sex="M")
    response = coordinator_client.post(
        reverse("campaigns:create"),
        {
            "programme": programme("breast").pk,
            "name": "Breast 2026: Leeds",
            "site": "Leeds",
            "start_date": date.today().isoformat(),
            "end_date": date(date.today().year + 1, 12, 31).isoformat(),
            "reading_policy": "double_blind",
            "ai_enabled": "on",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.headers["Location"] == reverse(
        "campaigns:detail", args=[campaign.pk]
    )
    assert campaign.status == CampaignStatus.DRAFT

    status_url = reverse("campaigns:status", args=[campaign.pk])
    response = coordinator_client.post(status_url, {"status": "open"}, follow=True)
    assert any("needs three radiologists" in m and "0 are assigned" in m for m in _messages(response))
    assert _status(campaign) == CampaignStatus.DRAFT
    readers = [UserFactory(username=f"reader{n}", role=Role.RADIOLOGIST) for n in range(3)]
    staff_url = reverse("campaigns:staff", args=[campaign.pk])
    coordinator_client.post(staff_url, {"staff": [r.pk for r in readers]})
    response = coordinator_client.post(status_url, {"status": "open"}, follow=True)
    assert "Campaign status changed." in _messages(response)
    assert _status(campaign) == CampaignStatus.OPEN

    cohort = coordinator_client.get(reverse("campaigns:cohort", args=[campaign.pk])).content.decode()
    assert '<strong id="eligible-count">3</strong>' in cohort
    response = coordinator_client.post(
        reverse("campaigns:cohort", args=[campaign.pk]), {"invite_all": "on"}, follow=True
    )
    assert "3 participants invited." in _messages(response)
    assert set(campaign.episodes.values_list("patient_id", flat=True)) == {p.pk for p in eligible}
    assert '<span class="step" data-status="invited">Invited <b>3</b>' in response.content.decode()

    response = coordinator_client.post(status_url, {"status": "closed"}, follow=True)
    assert _status(campaign) == CampaignStatus.CLOSED
    response = coordinator_client.post(status_url, {"status": "open"}, follow=True)
    assert any("cannot become open" in m for m in _messages(response))
    assert _status(campaign) == CampaignStatus.CLOSED


def test_a_campaign_that_ends_before_it_starts_is_refused(coordinator_client):
    response = coordinator_client.post(
        reverse("campaigns:create"),
        {
            "programme": programme("lung").pk,
            "name": "Backwards",
            "site": "Leeds",
            "start_date": "2026-06-01",
            "end_date": "2026-01-01",
            "reading_policy": "single",
        },
    )
    assert response.status_code == 200
    assert "The campaign ends before it starts." in response.content.decode()
    assert not Campaign.objects.exists()


def test_inviting_the_ticked_participants(coordinator_client, campaign):
    chosen, other = PatientFactory(), PatientFactory()
    response = coordinator_client.post(
        reverse("campaigns:cohort", args=[campaign.pk]), {"patient_ids": [chosen.pk]}, follow=True
    )
    assert "1 participant invited." in _messages(response)
    assert list(Episode.objects.values_list("patient_id", flat=True)) == [chosen.pk]
    assert other.pk not in Episode.objects.values_list("patient_id", flat=True)


def test_inviting_with_nothing_ticked_asks_to_tick(coordinator_client, campaign):
    PatientFactory()
    response = coordinator_client.post(reverse("campaigns:cohort", args=[campaign.pk]), {}, follow=True)
    assert "Tick the participants to invite, or invite everyone eligible." in _messages(response)
    assert not Episode.objects.exists()


@pytest.mark.parametrize("forged", [["999999"], ["not-a-number"]])
def test_a_forged_participant_id_invites_nobody(coordinator_client, campaign, forged):
    patient = PatientFactory()
    response = coordinator_client.post(
        reverse("campaigns:cohort", args=[campaign.pk]), {"patient_ids": [patient.pk, *forged]}, follow=True
    )
    assert response.status_code == 200
    assert any("not eligible" in m or "not valid" in m for m in _messages(response))
    assert not Episode.objects.exists()


def test_a_draft_campaign_sends_no_invitations(coordinator_client):
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)
    PatientFactory()
    page = coordinator_client.get(reverse("campaigns:cohort", args=[campaign.pk])).content.decode()
    assert "Open the campaign to send invitations." in page
    assert "Invite all" not in page
    response = coordinator_client.post(
        reverse("campaigns:cohort", args=[campaign.pk]), {"invite_all": "on"}, follow=True
    )
    assert "Invitations are sent only while the campaign is open." in _messages(response)
    assert not Episode.objects.exists()


def test_assigning_staff(coordinator_client, radiologist):
    campaign = CampaignFactory(reading_policy=ReadingPolicy.SINGLE)
    response = coordinator_client.post(
        reverse("campaigns:staff", args=[campaign.pk]), {"staff": [radiologist.pk]}, follow=True
    )
    assert "Assigned staff saved." in _messages(response)
    assert list(campaign.assigned_staff.all()) == [radiologist]


def test_moving_an_episode_from_its_page(coordinator_client, coordinator_actor):
    episode = EpisodeFactory()
    consent_grant(
        actor=coordinator_actor,
        patient=episode.patient,
        scope=ConsentScope.SCREENING,
        method=ConsentMethod.WRITTEN,
    )
    url = reverse("campaigns:episode", args=[episode.pk])
    page = coordinator_client.get(url).content.decode()
    assert '<option value="attended">' in page and '<option value="imaged">' not in page
    response = coordinator_client.post(
        reverse("campaigns:episode_transition", args=[episode.pk]), {"to_status": "attended"}, follow=True
    )
    assert "Episode status changed." in _messages(response)
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ATTENDED
    response = coordinator_client.post(
        reverse("campaigns:episode_transition", args=[episode.pk]), {"to_status": "closed"}, follow=True
    )
    assert any("cannot go from Attended to Closed" in m for m in _messages(response))
    assert episode.status_events.count() == 1


# Radiologist: assigned campaigns only -------------------------------------------------------


def test_a_radiologist_sees_only_assigned_campaigns(radiologist_client, radiologist):
    mine = CampaignFactory(name="Assigned round")
    mine.assigned_staff.add(radiologist)
    theirs = CampaignFactory(name="Someone else's round")
    their_episode = EpisodeFactory(campaign=theirs)
    page = radiologist_client.get(reverse("campaigns:list")).content.decode()
    assert "Assigned round" in page and "Someone else" not in page
    assert radiologist_client.get(reverse("campaigns:detail", args=[mine.pk])).status_code == 200
    assert radiologist_client.get(reverse("campaigns:detail", args=[theirs.pk])).status_code == 404
    assert radiologist_client.get(reverse("campaigns:episode", args=[their_episode.pk])).status_code == 404


def test_a_radiologist_cannot_change_campaigns_or_episodes(radiologist_client, radiologist):
    campaign = CampaignFactory(status=CampaignStatus.OPEN)
    campaign.assigned_staff.add(radiologist)
    episode = EpisodeFactory(campaign=campaign)
    page = radiologist_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert reverse("campaigns:status", args=[campaign.pk]) not in page
    status = radiologist_client.post(reverse("campaigns:status", args=[campaign.pk]), {"status": "closed"})
    assert status.status_code == 403
    assert _status(campaign) == CampaignStatus.OPEN
    step = radiologist_client.post(
        reverse("campaigns:episode_transition", args=[episode.pk]), {"to_status": "did_not_attend"}
    )
    assert step.status_code == 403
    assert radiologist_client.get(reverse("campaigns:cohort", args=[campaign.pk])).status_code == 403


# Auditor: no campaign pages (the statistics dashboard is tested in tests/statistics) ----------


@pytest.mark.parametrize("route", ["campaigns:list", "campaigns:create"])
def test_an_auditor_is_refused_the_campaign_pages(auditor_client, route):
    assert auditor_client.get(reverse(route)).status_code == 403


def test_an_auditor_is_refused_a_campaigns_participants(auditor_client, campaign):
    assert auditor_client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 403
