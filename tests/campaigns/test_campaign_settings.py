"""Campaign settings: one service for the edit page and the API, validated, audited, kept as history."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from screening.campaigns.campaign_settings_services import campaign_settings_update
from screening.campaigns.models import CampaignSettingsChange, CampaignStatus, ReadingPolicy
from screening.core.models import AuditEvent
from screening.core.roles import Role
from tests.factories import CampaignFactory, UserFactory
from tests.page_text import without_tokens

pytestmark = pytest.mark.django_db


def _radiologists(n: int) -> list:
    return [UserFactory(username=f"reader{i}", role=Role.RADIOLOGIST) for i in range(n)]


@pytest.fixture
def open_single(db):
    campaign = CampaignFactory(reading_policy=ReadingPolicy.SINGLE, status=CampaignStatus.OPEN)
    campaign.assigned_staff.set(_radiologists(1))
    return campaign


def test_a_change_is_kept_as_history_and_audited(coordinator_actor, open_single):
    campaign_settings_update(
        actor=coordinator_actor,
        campaign=open_single,
        ai_high_suspicion_threshold=0.6,
        ai_shown_to_readers=False,
        staff=[*open_single.assigned_staff.all(), *_radiologists(3)[1:]],
    )
    open_single.refresh_from_db()
    assert (open_single.ai_high_suspicion_threshold, open_single.ai_shown_to_readers) == (0.6, False)
    change = CampaignSettingsChange.objects.get(campaign=open_single)
    assert change.actor == coordinator_actor.user
    assert change.changes == {
        "ai_high_suspicion_threshold": [0.5, 0.6],
        "ai_shown_to_readers": [True, False],
        "staff": [["reader0"], ["reader0", "reader1", "reader2"]],
    }
    assert "AI shown while reading: yes → no" in change.described
    audit = AuditEvent.objects.get(object_type="campaign", object_id=str(open_single.pk))
    assert audit.detail == {"settings": change.changes} and audit.actor_username == "coordinator"


def test_nothing_changed_records_nothing(coordinator_actor, open_single):
    campaign_settings_update(
        actor=coordinator_actor, campaign=open_single, reading_policy=ReadingPolicy.SINGLE
    )
    assert not CampaignSettingsChange.objects.exists()
    assert not AuditEvent.objects.filter(object_type="campaign").exists()


@pytest.mark.parametrize(
    ("high", "low", "field"),
    [
        (1.2, 0.1, "ai_high_suspicion_threshold"),
        (0.5, -0.1, "ai_low_suspicion_threshold"),
        (0.3, 0.4, "ai_low_suspicion_threshold"),
        (0.4, 0.4, "ai_low_suspicion_threshold"),
    ],
)
def test_thresholds_out_of_range_or_crossed_are_refused(coordinator_actor, open_single, high, low, field):
    with pytest.raises(ValidationError) as refused:
        campaign_settings_update(
            actor=coordinator_actor,
            campaign=open_single,
            ai_high_suspicion_threshold=high,
            ai_low_suspicion_threshold=low,
        )
    assert field in refused.value.message_dict
    open_single.refresh_from_db()
    assert (open_single.ai_high_suspicion_threshold, open_single.ai_low_suspicion_threshold) == (0.5, 0.1)
    assert not CampaignSettingsChange.objects.exists()


def test_an_open_campaign_keeps_the_readers_its_policy_needs(coordinator_actor, open_single):
    with pytest.raises(ValidationError, match="needs one radiologist"):
        campaign_settings_update(actor=coordinator_actor, campaign=open_single, staff=[])
    with pytest.raises(ValidationError, match="needs three radiologists"):
        campaign_settings_update(
            actor=coordinator_actor, campaign=open_single, reading_policy=ReadingPolicy.DOUBLE_BLIND
        )
    with pytest.raises(ValidationError, match="needs three radiologists"):
        campaign_settings_update(
            actor=coordinator_actor, campaign=open_single, reading_policy=ReadingPolicy.AI_SECOND_READER
        )
    assert list(open_single.assigned_staff.values_list("username", flat=True)) == ["reader0"]
    assert not CampaignSettingsChange.objects.exists()
    draft = CampaignFactory(status=CampaignStatus.DRAFT, reading_policy=ReadingPolicy.SINGLE)
    campaign_settings_update(actor=coordinator_actor, campaign=draft, staff=[])  # drafts may be empty


def test_staff_must_be_radiologists_or_coordinators(coordinator_actor, open_single, auditor):
    with pytest.raises(ValidationError, match="auditor is neither a radiologist nor a coordinator"):
        campaign_settings_update(
            actor=coordinator_actor, campaign=open_single, staff=[*open_single.assigned_staff.all(), auditor]
        )


# The edit page --------------------------------------------------------------------------------


def _post(client, campaign, **fields):
    data = {
        "reading_policy": campaign.reading_policy,
        "ai_high_suspicion_threshold": campaign.ai_high_suspicion_threshold,
        "ai_low_suspicion_threshold": campaign.ai_low_suspicion_threshold,
        "staff": list(campaign.assigned_staff.values_list("pk", flat=True)),
        **({"ai_shown_to_readers": "on"} if campaign.ai_shown_to_readers else {}),
        **fields,
    }
    return client.post(reverse("campaigns:settings", args=[campaign.pk]), data, follow=True)


def test_a_coordinator_edits_the_settings_and_the_campaign_page_shows_the_history(
    coordinator_client, open_single
):
    detail = coordinator_client.get(reverse("campaigns:detail", args=[open_single.pk])).content.decode()
    assert reverse("campaigns:settings", args=[open_single.pk]) in detail
    readers = _radiologists(3)
    response = _post(
        coordinator_client,
        open_single,
        reading_policy=ReadingPolicy.DOUBLE_BLIND,
        staff=[r.pk for r in readers],
    )
    assert response.redirect_chain[-1][0] == reverse("campaigns:detail", args=[open_single.pk])
    page = without_tokens(response.content.decode())
    assert "Campaign settings saved." in page
    change = CampaignSettingsChange.objects.get()
    assert f"{change.changed_at:%Y-%m-%d}" in page
    assert "coordinator: Reading policy: Single reading → Double blind reading with arbitration" in page


def test_the_page_shows_threshold_and_staff_errors_and_saves_nothing(
    coordinator_client, open_single, auditor
):
    response = _post(coordinator_client, open_single, ai_low_suspicion_threshold="0.7")
    assert "The low threshold must be below the high threshold." in response.content.decode()
    response = _post(coordinator_client, open_single, staff=[])
    assert "This campaign is open: single reading needs one radiologist" in response.content.decode()
    response = _post(coordinator_client, open_single, ai_high_suspicion_threshold="2")
    assert response.status_code == 200 and not CampaignSettingsChange.objects.exists()


def test_radiologists_and_auditors_cannot_edit_settings(radiologist_client, auditor_client, open_single):
    url = reverse("campaigns:settings", args=[open_single.pk])
    for client in (radiologist_client, auditor_client):
        assert client.get(url).status_code == 403
        assert client.post(url, {"reading_policy": "double_blind"}).status_code == 403
    open_single.refresh_from_db()
    assert open_single.reading_policy == ReadingPolicy.SINGLE


def test_the_create_page_takes_the_thresholds_and_refuses_crossed_ones(coordinator_client):
    from tests.factories import programme

    details = {
        "programme": programme("lung").pk,
        "name": "Thresholds",
        "site": "Leeds",
        "start_date": "2027-01-01",
        "end_date": "2027-06-01",
        "reading_policy": "single",
        "ai_high_suspicion_threshold": "0.3",
        "ai_low_suspicion_threshold": "0.4",
    }
    response = coordinator_client.post(reverse("campaigns:create"), details)
    assert "The low threshold must be below the high threshold." in response.content.decode()
    coordinator_client.post(reverse("campaigns:create"), {**details, "ai_low_suspicion_threshold": "0.2"})
    from screening.campaigns.models import Campaign

    assert Campaign.objects.values_list(
        "ai_high_suspicion_threshold", "ai_low_suspicion_threshold"
    ).get() == (
        0.3,
        0.2,
    )


def test_the_history_reads_oldest_first(coordinator_actor, open_single):
    from screening.campaigns.campaign_selectors import campaign_settings_history

    for shown in (False, True):
        campaign_settings_update(actor=coordinator_actor, campaign=open_single, ai_shown_to_readers=shown)
    history = list(campaign_settings_history(campaign=open_single))
    assert [change.changes["ai_shown_to_readers"] for change in history] == [[True, False], [False, True]]


def test_the_expected_prevalence_is_set_cleared_and_kept_as_history(coordinator_actor, open_single):
    campaign_settings_update(actor=coordinator_actor, campaign=open_single, ai_expected_prevalence=0.02)
    campaign_settings_update(actor=coordinator_actor, campaign=open_single, ai_shown_to_readers=False)
    open_single.refresh_from_db()
    assert open_single.ai_expected_prevalence == 0.02  # not passed: left as it was
    campaign_settings_update(actor=coordinator_actor, campaign=open_single, ai_expected_prevalence=None)
    open_single.refresh_from_db()
    assert open_single.ai_expected_prevalence is None
    changes = [c.changes for c in CampaignSettingsChange.objects.filter(campaign=open_single)]
    assert changes[0] == {"ai_expected_prevalence": [None, 0.02]}
    assert changes[2] == {"ai_expected_prevalence": [0.02, None]}
    with pytest.raises(ValidationError) as refused:
        campaign_settings_update(actor=coordinator_actor, campaign=open_single, ai_expected_prevalence=1.0)
    assert "ai_expected_prevalence" in refused.value.message_dict
