"""PATCH /api/v1/campaigns/{id}/: the settings service behind the edit page, through the API."""

import pytest

from screening.campaigns.models import CampaignSettingsChange, CampaignStatus, ReadingPolicy
from screening.core.models import AuditEvent
from screening.core.roles import Role
from tests.factories import CampaignFactory, UserFactory, programme

CAMPAIGNS = "/api/v1/campaigns/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(radiologist):
    campaign = CampaignFactory(reading_policy=ReadingPolicy.SINGLE, status=CampaignStatus.OPEN)
    campaign.assigned_staff.add(radiologist)
    return campaign


def _url(campaign) -> str:
    return f"{CAMPAIGNS}{campaign.pk}/"


def test_patch_changes_only_the_settings_sent_and_shows_the_history(coordinator_api, campaign):
    response = coordinator_api.patch(
        _url(campaign), {"ai_shown_to_readers": False, "ai_low_suspicion_threshold": 0.2}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["ai_shown_to_readers"], body["ai_low_suspicion_threshold"]) == (False, 0.2)
    assert (body["reading_policy"], body["ai_high_suspicion_threshold"]) == ("single", 0.5)
    assert body["assigned_staff"] == ["radiologist"]
    [change] = body["settings_history"]
    assert change["changed_by"] == "coordinator"
    assert change["changes"] == {
        "ai_low_suspicion_threshold": [0.1, 0.2],
        "ai_shown_to_readers": [True, False],
    }
    assert AuditEvent.objects.filter(
        object_type="campaign", object_id=str(campaign.pk), action="change"
    ).exists()


def test_patch_moves_a_campaign_to_double_reading_with_its_readers(coordinator_api, campaign):
    for n in (2, 3):
        UserFactory(username=f"radiologist{n}", role=Role.RADIOLOGIST)
    staff = ["radiologist", "radiologist2", "radiologist3"]
    response = coordinator_api.patch(
        _url(campaign), {"reading_policy": "double_blind", "staff": staff}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["reading_policy"], response.json()["assigned_staff"]) == ("double_blind", staff)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reading_policy": "double_blind"}, "reading_policy"),  # open, one radiologist
        ({"staff": []}, "staff"),
        ({"ai_high_suspicion_threshold": 1.5}, "ai_high_suspicion_threshold"),
        ({"ai_low_suspicion_threshold": 0.6}, "ai_low_suspicion_threshold"),
        ({"name": "Renamed"}, "name"),
        ({"staff": ["nobody"]}, "staff"),
        ({}, "non_field_errors"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_stored(coordinator_api, campaign, payload, field):
    response = coordinator_api.patch(_url(campaign), payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    campaign.refresh_from_db()
    assert (campaign.reading_policy, campaign.name) != ("double_blind", "Renamed")
    assert list(campaign.assigned_staff.values_list("username", flat=True)) == ["radiologist"]
    assert not CampaignSettingsChange.objects.exists()


def test_put_is_not_offered_and_radiologists_cannot_patch(coordinator_api, radiologist_api, campaign):
    assert coordinator_api.put(_url(campaign), {"reading_policy": "single"}, format="json").status_code == 405
    assert (
        radiologist_api.patch(_url(campaign), {"ai_shown_to_readers": False}, format="json").status_code
        == 403
    )


def test_creating_a_campaign_takes_the_ai_settings(coordinator_api):
    programme("breast")
    details = {
        "programme": "breast",
        "name": "Unaided round",
        "site": "Leeds",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "ai_shown_to_readers": False,
        "ai_high_suspicion_threshold": 0.7,
        "ai_low_suspicion_threshold": 0.2,
    }
    created = coordinator_api.post(CAMPAIGNS, details, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["ai_shown_to_readers"], body["ai_high_suspicion_threshold"]) == (False, 0.7)
    crossed = coordinator_api.post(
        CAMPAIGNS, {**details, "name": "Crossed", "ai_low_suspicion_threshold": 0.8}, format="json"
    )
    assert crossed.status_code == 400 and "ai_low_suspicion_threshold" in crossed.json()


def test_opening_through_the_api_needs_the_readers(coordinator_api):
    draft = CampaignFactory(status=CampaignStatus.DRAFT, reading_policy=ReadingPolicy.DOUBLE_BLIND)
    response = coordinator_api.post(f"{_url(draft)}status/", {"status": "open"}, format="json")
    assert response.status_code == 400
    assert "needs three radiologists" in response.json()["non_field_errors"][0]
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.DRAFT


def test_patch_sets_and_clears_the_expected_prevalence(coordinator_api, campaign):
    response = coordinator_api.patch(_url(campaign), {"ai_expected_prevalence": 0.02}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["ai_expected_prevalence"] == 0.02
    assert (
        coordinator_api.patch(_url(campaign), {"ai_expected_prevalence": 1.5}, format="json").status_code
        == 400
    )
    response = coordinator_api.patch(_url(campaign), {"ai_expected_prevalence": None}, format="json")
    assert response.status_code == 200 and response.json()["ai_expected_prevalence"] is None
    campaign.refresh_from_db()
    assert campaign.ai_expected_prevalence is None
