"""The reading view as a workstation at 1280 x 800: the mammogram fills the screen, the opinion sits
beside it, the radiologist signs without scrolling, and pans and magnifies the views."""

import pytest
from playwright.sync_api import expect

from screening.campaigns.models import ReadingPolicy
from screening.core.roles import Role
from screening.reading.models import ReadRole, ReadSlot
from tests.browser.conftest import log_in
from tests.browser.page_world import mammogram_study
from tests.factories import PASSWORD, CampaignFactory, UserFactory, programme
from tests.imaging.fixtures_pages import sample_dataset, store_instance, with_fresh_uids
from tests.reading.conftest import imaged_study

WORKSTATION = {"width": 1280, "height": 800}


@pytest.fixture
def mammogram_read(transactional_db, tmp_path, media_in_tmp):
    """A single-read breast campaign with one four-view mammogram waiting for `radiologist`."""
    reader = UserFactory(username="radiologist", role=Role.RADIOLOGIST)
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE)
    campaign.assigned_staff.add(reader)
    study = mammogram_study(campaign, tmp_path)
    return ReadSlot.objects.get(study=study, role=ReadRole.FIRST)


@pytest.fixture
def ct_read(transactional_db, media_in_tmp):
    """A single-read lung campaign with a three-slice CT waiting for `radiologist`."""
    reader = UserFactory(username="radiologist", role=Role.RADIOLOGIST)
    campaign = CampaignFactory(programme=programme("lung"), reading_policy=ReadingPolicy.SINGLE)
    campaign.assigned_staff.add(reader)
    study = imaged_study(campaign)
    series = None
    for number in (1, 2, 3):
        dataset = with_fresh_uids(sample_dataset("CT_small.dcm"))
        instance = store_instance(
            dataset, study=study, series=series, instance_number=number, slice_location=float(number)
        )
        series = instance.series
    return ReadSlot.objects.get(study=study, role=ReadRole.FIRST)


def _open_read(page, slot) -> None:
    page.set_viewport_size(WORKSTATION)
    log_in(page, "radiologist")
    page.goto(f"/reading/slots/{slot.pk}/")
    page.wait_for_function("[...document.querySelectorAll('img.frame')].every(i => i.naturalWidth > 0)")


def _within_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not laid out"
    return (
        box["y"] >= 0
        and box["y"] + box["height"] <= WORKSTATION["height"]
        and box["x"] >= 0
        and (box["x"] + box["width"] <= WORKSTATION["width"])
    )


def _page_scroll(page) -> dict[str, float]:
    return page.evaluate(
        "() => ({x: window.scrollX, y: window.scrollY, main: document.getElementById('ws-scroll').scrollTop})"
    )


@pytest.mark.usefixtures("one_request_at_a_time")
def test_radiologist_opens_a_read_and_signs_it_without_scrolling(page, mammogram_read):
    _open_read(page, mammogram_read)

    # The images fill the screen beside the opinion panel; the whole form and its sign button show.
    views = page.locator("#mammogram-views figure.view")
    expect(views).to_have_count(4)
    grid = page.locator("#mammogram-views").bounding_box()
    panel = page.locator(".ws-panel").bounding_box()
    assert grid is not None and panel is not None
    assert grid["width"] >= 0.6 * WORKSTATION["width"]
    assert grid["y"] + grid["height"] >= WORKSTATION["height"] - 2  # down to the bottom of the screen
    assert panel["x"] >= grid["x"] + grid["width"] - 1  # beside the images, not below them
    for selector in ("#sign-button", "#id_password", "#sign-as-normal", "#mammogram-views"):
        assert _within_viewport(page, selector), f"{selector} is off screen"

    page.keyboard.press("s")  # sign as normal: routine, category 1 both sides, password focused
    password = page.locator("#sign-form").get_by_label("Your password, to sign")
    expect(password).to_be_focused()
    password.fill(PASSWORD)
    page.locator("#sign-button").click()

    expect(page.locator(".message.success")).to_contain_text("Signed")
    expect(page.locator("#own-opinion")).to_contain_text("Routine")
    assert _page_scroll(page) == {"x": 0, "y": 0, "main": 0}  # nothing was scrolled to sign
    mammogram_read.refresh_from_db()
    assert mammogram_read.status == "signed"


@pytest.mark.usefixtures("one_request_at_a_time")
def test_radiologist_pans_a_zoomed_view_and_magnifies_a_mammogram(page, mammogram_read):
    _open_read(page, mammogram_read)
    view = page.locator("figure.view[data-view='R-CC'] .view-image")
    image = view.locator("img.frame")

    page.keyboard.press("+")
    page.keyboard.press("+")
    expect(page.locator("#zoom-level")).to_have_text("200%")
    before = image.bounding_box()
    assert before is not None
    start = (before["x"] + before["width"] / 2, before["y"] + before["height"] / 2)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 60, start[1] + 40, steps=5)
    page.mouse.up()

    after = image.bounding_box()
    assert after is not None
    assert (round(after["x"] - before["x"]), round(after["y"] - before["y"])) == (60, 40)
    assert view.get_attribute("data-pan-x") == "60" and view.get_attribute("data-pan-y") == "40"
    other = page.locator("figure.view[data-view='L-CC'] .view-image")
    assert other.get_attribute("data-pan-x") == "0"  # each view pans on its own

    page.keyboard.press("0")  # reset: back to 100 %, centred
    expect(page.locator("#zoom-level")).to_have_text("100%")
    assert view.get_attribute("data-pan-x") == "0"

    lens = page.locator("#magnifier")
    expect(lens).to_be_hidden()
    page.get_by_role("button", name="Magnifier (m)").click()
    expect(page.get_by_role("button", name="Magnifier (m)")).to_have_attribute("aria-pressed", "true")
    box = image.bounding_box()
    assert box is not None
    point = (box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4)
    page.mouse.move(*point)
    expect(lens).to_be_visible()
    lens_box = lens.bounding_box()
    assert lens_box is not None
    centre = (lens_box["x"] + lens_box["width"] / 2, lens_box["y"] + lens_box["height"] / 2)
    assert abs(centre[0] - point[0]) <= 2 and abs(centre[1] - point[1]) <= 2  # it follows the pointer
    style = lens.evaluate("e => ({image: e.style.backgroundImage, size: e.style.backgroundSize})")
    assert image.evaluate("img => img.currentSrc") in style["image"]
    magnified_width = float(style["size"].split("px")[0])
    assert magnified_width == pytest.approx(box["width"] * 2.5, abs=2)
    assert lens.get_attribute("data-view") == "R-CC"

    page.mouse.move(5, 5)  # off the images
    expect(lens).to_be_hidden()
    page.keyboard.press("m")
    expect(page.get_by_role("button", name="Magnifier (m)")).to_have_attribute("aria-pressed", "false")
    page.mouse.move(*point)
    expect(lens).to_be_hidden()


@pytest.mark.usefixtures("one_request_at_a_time")
def test_a_ct_read_fills_the_workstation_and_scrolls_slices_beside_the_sign_bar(page, ct_read):
    _open_read(page, ct_read)

    for selector in ("#stack-image", "#slice-next", "#sign-button", "#id_password"):
        assert _within_viewport(page, selector), f"{selector} is off screen"
    image = page.locator("#stack-image").bounding_box()
    assert image is not None and image["height"] >= 0.6 * WORKSTATION["height"]

    page.locator("#stack-image").hover()
    page.mouse.wheel(0, 100)
    expect(page.locator("#slice-number")).to_have_text("2")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#slice-number")).to_have_text("3")
    assert _page_scroll(page) == {"x": 0, "y": 0, "main": 0}
