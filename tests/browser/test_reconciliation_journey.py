"""A coordinator reconciles a study whose patient details differ from the participant's, in Chromium."""

from datetime import date

import pytest
from playwright.sync_api import expect

from screening.campaigns.models import EpisodeStatus
from screening.core.roles import Role
from screening.imaging.models import StudyMatch
from tests.browser.conftest import log_in
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, UserFactory, programme
from tests.imaging.fixtures_pages import sample_dataset, store_instance, with_fresh_uids


@pytest.mark.usefixtures("media_in_tmp")
def test_coordinator_sees_the_differences_gives_a_reason_and_finds_the_history(page, transactional_db):
    UserFactory(username="coord", role=Role.COORDINATOR)
    study = store_instance(with_fresh_uids(sample_dataset("CT_small.dcm"))).series.study
    study.dicom_patient_id, study.dicom_patient_name = "MRN-778", "QUARRINGTON^JANE"
    study.dicom_birth_date, study.dicom_sex = date(1958, 7, 9), "F"
    study.match_note = "no participant with this identifier"
    study.save()
    patient = PatientFactory(
        family_name="Quarrington", given_name="Jane", date_of_birth=date(1958, 9, 7), sex="F"
    )
    episode = EpisodeFactory(
        patient=patient,
        status=EpisodeStatus.ATTENDED,
        campaign=CampaignFactory(programme=programme("lung"), name="Lung screening 2026, Leeds"),
    )

    log_in(page, "coord")
    page.goto("/imaging/reconciliation/")
    page.get_by_role("link", name=f"Study {study.pk}").click()
    page.get_by_label("Identifier or name").fill("Quarrington")
    page.get_by_role("button", name="Search").click()

    candidate = page.locator(f"#candidate-{patient.pk}")
    expect(candidate.locator("tr.differs")).to_have_count(2)  # the identifier and the birth date
    expect(candidate.locator('tr[data-field="birth_date"]')).to_contain_text("1958-07-09")
    expect(candidate.locator('tr[data-field="birth_date"]')).to_contain_text("Differs")
    expect(candidate.locator('tr[data-field="name"]')).to_contain_text("Same")
    highlight = candidate.locator('tr[data-field="birth_date"] td').first.evaluate(
        "cell => getComputedStyle(cell).backgroundColor"
    )
    assert highlight != candidate.locator('tr[data-field="name"] td').first.evaluate(
        "cell => getComputedStyle(cell).backgroundColor"
    )

    candidate.get_by_role("button", name="Attach despite the differences").click()
    expect(page.get_by_role("status")).to_contain_text("give the reason")
    study.refresh_from_db()
    assert study.match_status == StudyMatch.AWAITING_RECONCILIATION

    candidate = page.locator(f"#candidate-{patient.pk}")  # the search is shown again
    candidate.get_by_label("I have checked that these images are this participant's").check()
    candidate.get_by_label("Reason").fill("Hospital MRN; day and month swapped at the CT console")
    candidate.get_by_role("button", name="Attach despite the differences").click()
    expect(page.get_by_role("status")).to_contain_text(f"attached to episode {episode.pk}")

    page.goto(f"/imaging/studies/{study.pk}/")
    history = page.locator("#match-history tbody tr")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("Attached")
    expect(history).to_contain_text("Hospital MRN; day and month swapped at the CT console")
    expect(history).to_contain_text("Birth date: 1958-07-09 in the images, 1958-09-07 on record")
    expect(page.get_by_role("button", name="Detach the study")).to_be_visible()
