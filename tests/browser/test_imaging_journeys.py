"""What a coordinator does with images in the browser, in real Chromium."""

import pytest
from playwright.sync_api import expect

from screening.core.roles import Role
from tests.browser.conftest import log_in
from tests.factories import UserFactory
from tests.imaging.fixtures_pages import (
    dataset_bytes,
    sample_dataset,
    with_fresh_uids,
)


@pytest.mark.usefixtures("media_in_tmp")
def test_coordinator_uploads_a_file_and_opens_the_study_image(page, transactional_db, tmp_path):
    UserFactory(username="coord", role=Role.COORDINATOR)
    upload = tmp_path / "chest-ct.dcm"
    upload.write_bytes(dataset_bytes(with_fresh_uids(sample_dataset("CT_small.dcm"))))

    log_in(page, "coord")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload images").click()
    page.locator("#id_files").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()

    row = page.locator("#upload-results-body tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("chest-ct.dcm")
    expect(row).to_contain_text("Stored")
    expect(page.locator("#upload-progress-text")).to_have_text("done")
    assert page.locator("#upload-progress-bar").get_attribute("value") == "100"

    row.get_by_role("link", name="Open study").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CT")
    image = page.locator("#stack-image")
    expect(image).to_be_visible()
    page.wait_for_function("document.getElementById('stack-image').complete")
    assert image.evaluate("img => img.naturalWidth") > 0
    thumbnails = page.locator("img.thumbnail")
    expect(thumbnails).to_have_count(1)
