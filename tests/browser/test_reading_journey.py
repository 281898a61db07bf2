"""The reading journey in real Chromium: triaged worklist, heat map, blind double reading, arbitration.

The data is real: a synthetic mammography cohort written as DICOM and uploaded through intake,
scored in-process by the shipped demo model (heat maps included), with the reads opened by intake.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from screening.campaigns import campaign_services
from screening.campaigns.models import Campaign, CampaignStatus, EpisodeResult, EpisodeStatus
from screening.core.actors import Actor
from screening.core.roles import Role
from screening.demo.synthetic_cohort import cohort_generate
from screening.demo.synthetic_senders import upload_sender
from screening.inference_jobs.models import InferenceResult
from screening.reading.models import BAND_RANK, DecisionBasis, EpisodeReadDecision, ReadRole, ReadSlot
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory, programme

SHIPPED_MODELS = Path(django_settings.BASE_DIR) / "models"
FIRST_COMMENT = "Spiculated mass, right upper outer quadrant: recall"


def _reading_world(tmp_path) -> InferenceResult:
    """Three radiologists on a double-reading breast campaign with a scored synthetic cohort.

    Returns the AI result the worklist must put first: the highest band, then the highest score.
    """
    if not any(SHIPPED_MODELS.glob("breast*/*/model_card.json")):
        pytest.skip("no demo breast model under models/")
    actor = Actor.system("test")
    campaign = campaign_services.campaign_create(
        actor=actor,
        programme=programme("breast"),
        name="Breast 2026: reading journey",
        site="Leeds",
        start_date=timezone.localdate().replace(month=1, day=1),
        end_date=timezone.localdate().replace(month=12, day=31),
    )
    readers = [UserFactory(username=f"radiologist{n}", role=Role.RADIOLOGIST) for n in ("", "2", "3")]
    campaign_services.campaign_assign_staff(actor=actor, campaign=campaign, users=readers)
    campaign_services.campaign_set_status(actor=actor, campaign=campaign, status=CampaignStatus.OPEN)
    cohort_generate(
        actor=actor,
        programme_code="breast",
        patients=6,
        seed=11,
        prevalence=0.5,
        out_dir=tmp_path / "cohort",
        sender=upload_sender(),
    )
    results = list(InferenceResult.objects.filter(study__read_slots__campaign=campaign).distinct())
    assert results, "the demo model scored no study"
    assert Campaign.objects.get(pk=campaign.pk).reading_policy == "double_blind"
    return min(results, key=lambda r: (BAND_RANK[r.band], -r.study_score))


def _open_worklist(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Worklist")


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")


@pytest.mark.usefixtures("media_in_tmp", "one_request_at_a_time")
def test_triaged_double_reading_with_arbitration_decides_the_episode(
    page, transactional_db, tmp_path, settings
):
    settings.INFERENCE_MODEL_ROOT = SHIPPED_MODELS
    top = _reading_world(tmp_path)
    first_slot = ReadSlot.objects.get(study=top.study, role=ReadRole.FIRST)

    # First reader: the worklist puts the most suspicious study first; it opens with its heat map.
    log_in(page, "radiologist")
    _open_worklist(page)
    first_row = page.locator("#worklist tbody tr").first
    expect(first_row).to_have_attribute("data-slot", str(first_slot.pk))
    expect(first_row).to_have_attribute("data-band", top.band)
    if InferenceResult.objects.filter(band="high").exists():
        expect(first_row).to_have_attribute("data-band", "high")
    expect(page.locator("#band-counts [data-band='high'] b")).to_have_text(
        str(ReadSlot.objects.filter(band_rank=BAND_RANK["high"]).values("study").distinct().count())
    )
    first_row.get_by_role("link", name="Read").click()

    expect(page.locator("#ai-score")).to_have_text(f"{top.study_score:.3f}")
    expect(page.locator("#ai-model")).to_contain_text(top.model_version)
    views = page.locator("#mammogram-views figure.view")
    expect(views).to_have_count(4)
    assert [v.get_attribute("data-view") for v in views.all()] == ["R-CC", "L-CC", "R-MLO", "L-MLO"]
    page.wait_for_function("[...document.querySelectorAll('img.frame')].every(i => i.complete)")
    assert page.locator("img.frame").evaluate_all("imgs => imgs.every(i => i.naturalWidth > 0)")
    overlays = page.locator("img.ai-overlay")
    expect(overlays).to_have_count(4)
    expect(overlays.first).to_be_visible()
    page.keyboard.press("o")
    expect(overlays.first).to_be_hidden()
    page.keyboard.press("o")
    expect(overlays.first).to_be_visible()

    form = page.locator("#sign-form")
    form.get_by_label("Recall for assessment").check()
    form.get_by_label("Category: Right breast").select_option("4")
    form.get_by_label("Category: Left breast").select_option("1")
    form.locator("select[name='finding-0-category']").select_option("4")
    form.locator("select[name='finding-0-side']").select_option("R")
    form.locator("select[name='finding-0-quadrant']").select_option("UOQ")
    form.get_by_label("Agree", exact=True).check()
    form.get_by_label("Comment").fill(FIRST_COMMENT)
    form.get_by_label("Your password, to sign").fill(PASSWORD)
    form.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator(".message.success")).to_contain_text("Signed")
    expect(page.locator("#own-opinion")).to_contain_text(FIRST_COMMENT)
    expect(page.locator("#sign-form")).to_have_count(0)
    _log_out(page)

    # Second reader, blind: the same study waits as a second read, with no trace of the first.
    log_in(page, "radiologist2")
    _open_worklist(page)
    second_slot = ReadSlot.objects.get(study=top.study, role=ReadRole.SECOND)
    row = page.locator(f"#worklist tr[data-slot='{second_slot.pk}']")
    expect(row).to_contain_text("Second reader")
    row.get_by_role("link", name="Read").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Second reader")
    assert FIRST_COMMENT not in page.content()
    expect(page.locator("#other-opinions")).to_have_count(0)
    page.keyboard.press("s")  # sign as normal: routine, BI-RADS 1 both sides, password focused
    password = page.locator("#sign-form").get_by_label("Your password, to sign")
    expect(password).to_be_focused()
    expect(page.locator("#sign-form").get_by_label("Routine recall (normal)")).to_be_checked()
    expect(page.locator("#sign-form").get_by_label("Category: Right breast")).to_have_value("1")
    page.locator("#sign-form").get_by_label("Disagree", exact=True).check()
    page.locator("#sign-form").get_by_label("Why you disagree with the AI").fill("No mass seen")
    password.fill(PASSWORD)
    page.locator("#sign-form").get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator(".message.success")).to_contain_text("Signed")
    expect(page.locator("#other-opinions")).to_contain_text(FIRST_COMMENT)  # both signed: unblinded
    _log_out(page)

    # Arbitrator: the disagreement waits on the arbitration list; both opinions are shown.
    arbitration = ReadSlot.objects.get(study=top.study, role=ReadRole.ARBITRATION)
    log_in(page, "radiologist3")
    _open_worklist(page)
    page.locator(".reading-nav").get_by_role("link", name="Arbitration").click()
    arbitration_row = page.locator(f"#arbitrations tr[data-slot='{arbitration.pk}']")
    arbitration_row.get_by_role("link", name="Arbitrate").click()
    expect(page.locator("#other-opinions .opinion")).to_have_count(2)
    expect(page.locator("#other-opinions")).to_contain_text(FIRST_COMMENT)
    form = page.locator("#sign-form")
    form.get_by_label("Recall for assessment").check()
    form.get_by_label("Category: Right breast").select_option("4")
    form.get_by_label("Category: Left breast").select_option("1")
    form.locator("select[name='finding-0-category']").select_option("4")
    form.locator("select[name='finding-0-side']").select_option("R")
    form.locator("input[name='finding-0-clock_face']").fill("10")
    form.get_by_label("Your password, to sign").fill(PASSWORD)
    form.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator(".message.success")).to_contain_text("Signed")

    # The episode result follows, and shows on the printable report.
    page.get_by_role("link", name="Episode report").click()
    expect(page.locator("#episode-result")).to_contain_text("Recall for assessment")
    expect(page.locator("#episode-result")).to_contain_text("Arbitration")
    expect(page.locator(".report-read")).to_have_count(3)
    expect(page.locator("#imaging-to-result")).not_to_have_text("-")
    episode = top.study.episode
    episode.refresh_from_db()
    assert (episode.status, episode.result) == (EpisodeStatus.RESULT_ISSUED, EpisodeResult.RECALL)
    assert EpisodeReadDecision.objects.get(episode=episode).basis == DecisionBasis.ARBITRATION
