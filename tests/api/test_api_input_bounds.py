"""What a schema-driven fuzzer found: inputs at the edges of their types answer 400, never 500."""

import pytest

from screening.campaigns.forms import CampaignForm
from screening.campaigns.models import Campaign, CampaignStatus
from tests.factories import CampaignFactory, programme

pytestmark = pytest.mark.django_db

CAMPAIGNS = "/api/v1/campaigns/"
WORKLIST = "/api/v1/reading/worklist/"


@pytest.mark.parametrize("days", ["740000", "99999999999999999999"])
def test_the_worklist_refuses_a_wait_longer_than_any_date_with_400(radiologist_api, days):
    response = radiologist_api.get(WORKLIST, {"waiting_more_than_days": days})

    assert response.status_code == 400
    assert "waiting_more_than_days" in response.json()


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "0001-12-31"), ("2026-01-01", "9999-12-31"), ("1899-12-31", "2026-01-01")],
)
def test_a_campaign_with_implausible_dates_is_refused_by_the_api(coordinator_api, start, end):
    payload = {
        "programme": "breast",
        "name": "Year one",
        "site": "Leeds",
        "start_date": start,
        "end_date": end,
    }

    response = coordinator_api.post(CAMPAIGNS, payload, format="json")

    assert response.status_code == 400
    assert {"start_date", "end_date"} & set(response.json())
    assert not Campaign.objects.exists()


def test_a_campaign_with_implausible_dates_is_refused_by_the_form():
    form = CampaignForm(
        data={
            "programme": programme("breast").pk,
            "name": "Year one",
            "site": "Leeds",
            "start_date": "0001-01-01",
            "end_date": "0001-12-31",
            "reading_policy": "double_blind",
        }
    )

    assert not form.is_valid()
    assert {"start_date", "end_date"} <= set(form.errors)


@pytest.mark.parametrize("encoding", ["multipart", "form"])
def test_a_staff_change_without_the_staff_field_is_refused_and_keeps_the_readers(
    coordinator_api, radiologist, encoding
):
    campaign = CampaignFactory(status=CampaignStatus.DRAFT)  # a draft may have no readers at all
    campaign.assigned_staff.add(radiologist)
    url = f"{CAMPAIGNS}{campaign.pk}/staff/"

    if encoding == "form":
        response = coordinator_api.post(url, "", content_type="application/x-www-form-urlencoded")
    else:
        response = coordinator_api.post(url, {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["staff"] == ["This field is required."]
    assert list(campaign.assigned_staff.all()) == [radiologist]


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/inference/jobs/?study={HUGE}",
        f"/api/v1/episodes/?campaign={HUGE}",
        f"/api/v1/episodes/?patient={HUGE}",
        f"/api/v1/reading/worklist/?campaign={HUGE}",
    ],
)
def test_an_id_filter_past_any_id_is_refused_with_400(coordinator_api, radiologist_api, url):
    """A database integer holds at most 2**63 - 1: a larger id overflowed it (500)."""
    answers = [api.get(url).status_code for api in (coordinator_api, radiologist_api)]

    assert set(answers) <= {400, 403}
    assert 400 in answers


def test_a_diagnosis_for_a_participant_id_past_any_id_is_refused_with_400(coordinator_api):
    payload = {"patient": HUGE, "kind": "dcis", "diagnosed_on": "2025-01-01", "reporting_source": "patient"}

    response = coordinator_api.post("/api/v1/outcomes/diagnoses/", payload, format="json")

    assert response.status_code == 400
