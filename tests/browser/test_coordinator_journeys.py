"""What a coordinator and an auditor do in the browser, in real Chromium."""

from django.utils import timezone
from playwright.sync_api import expect

from screening.campaigns.models import CampaignStatus, Episode, EpisodeStatus, ReadingPolicy
from screening.core.actors import Actor
from screening.core.roles import Role
from screening.patients.consent_services import consent_allows, consent_grant
from screening.patients.models import ConsentMethod, ConsentScope
from tests.browser.conftest import log_in
from tests.factories import CampaignFactory, PatientFactory, UserFactory


def test_coordinator_finds_a_patient_and_withdraws_ai_consent(page, transactional_db):
    UserFactory(username="coord", role=Role.COORDINATOR)
    patient = PatientFactory(family_name="Hartley", given_name="Rosalind")
    PatientFactory.create_batch(3)
    consent_grant(
        actor=Actor.system("test"),
        patient=patient,
        scope=ConsentScope.AI_READING,
        method=ConsentMethod.WRITTEN,
    )

    log_in(page, "coord")
    page.get_by_role("link", name="Patients").click()
    page.get_by_label("Identifier or name").fill("Hartley")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name=patient.identifier).click()
    expect(page.get_by_role("heading", name="HARTLEY, Rosalind")).to_be_visible()

    page.locator("#id_scope").select_option("ai_reading")
    page.locator("#id_method").select_option("verbal")
    page.locator("#id_note").fill("Prefers human reading only")
    page.get_by_role("button", name="Withdraw").click()

    expect(page.get_by_role("status")).to_contain_text("AI-assisted reading consent withdrawn")
    history = page.locator("#consent-history tbody tr")
    expect(history).to_have_count(2)
    expect(history.last).to_contain_text("Withdrawn")
    expect(history.last).to_contain_text("Prefers human reading only")
    expect(page.locator('tr[data-scope="ai_reading"]')).to_contain_text("Withdrawn")
    patient.refresh_from_db()
    assert not consent_allows(patient=patient, scope=ConsentScope.AI_READING)


def test_auditor_cannot_open_a_patient_page(page, transactional_db):
    UserFactory(username="audit", role=Role.AUDITOR)
    patient = PatientFactory(family_name="Lovelace")

    log_in(page, "audit")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients")).to_have_count(0)
    response = page.goto(f"/patients/{patient.pk}/")
    assert response is not None and response.status == 403
    expect(page.locator("body")).not_to_contain_text("Lovelace")
    page.goto("/audit/")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()


def test_coordinator_opens_a_campaign_and_invites_the_eligible_cohort(page, transactional_db):
    UserFactory(username="coord", role=Role.COORDINATOR)
    campaign = CampaignFactory(name="Breast round 7", status=CampaignStatus.DRAFT)
    campaign.assigned_staff.set(UserFactory(username=f"reader{n}", role=Role.RADIOLOGIST) for n in range(3))
    eligible = PatientFactory.create_batch(4)
    too_young = PatientFactory(date_of_birth=campaign.start_date.replace(year=campaign.start_date.year - 30))

    log_in(page, "coord")
    page.goto(f"/campaigns/{campaign.pk}/")
    page.get_by_role("button", name="Open campaign").click()
    expect(page.locator("#campaign-status")).to_have_text("Open")
    page.get_by_role("link", name="Eligible cohort & invitations").click()
    expect(page.locator("#eligible-count")).to_have_text("4")
    page.get_by_role("button", name="Invite all 4 eligible").click()

    expect(page.get_by_role("status")).to_contain_text("4 participants invited")
    expect(page.locator('.funnel .step[data-status="invited"] b').first).to_have_text("4")
    invited = set(
        Episode.objects.filter(campaign=campaign, status=EpisodeStatus.INVITED).values_list(
            "patient_id", flat=True
        )
    )
    assert invited == {p.pk for p in eligible}
    assert too_young.pk not in invited


def test_coordinator_moves_a_campaign_to_double_reading_and_sees_the_history_line(page, transactional_db):
    UserFactory(username="coord", role=Role.COORDINATOR)
    campaign = CampaignFactory(name="Lung round 3", reading_policy=ReadingPolicy.SINGLE)
    campaign.assigned_staff.set(UserFactory(username=f"reader{n}", role=Role.RADIOLOGIST) for n in range(3))

    log_in(page, "coord")
    page.goto(f"/campaigns/{campaign.pk}/")
    page.get_by_role("link", name="Edit settings").click()
    page.get_by_label("Reading policy").select_option("double_blind")
    page.get_by_label("AI high-suspicion threshold").fill("0.6")
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_role("status")).to_contain_text("Campaign settings saved")
    expect(page.locator("#campaign-reading-policy")).to_have_text("Double blind reading with arbitration")
    line = page.locator("#settings-history li").last
    expect(line).to_contain_text(f"{timezone.localdate():%Y-%m-%d}")
    expect(line).to_contain_text(
        "coord: Reading policy: Single reading → Double blind reading with arbitration"
    )
    expect(line).to_contain_text("AI high-suspicion threshold: 0.5 → 0.6")
    campaign.refresh_from_db()
    assert (campaign.reading_policy, campaign.ai_high_suspicion_threshold) == (
        ReadingPolicy.DOUBLE_BLIND,
        0.6,
    )
