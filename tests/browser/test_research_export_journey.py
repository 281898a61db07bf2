"""A coordinator requests a research export, watches its progress and downloads the package, in
real Chromium (the export runs in-process after the request's response, as on the embedded default)."""

import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.research.conftest import ExportWorld, export_world, research_root  # noqa: F401 (fixtures)


@pytest.mark.usefixtures("one_request_at_a_time")
def test_coordinator_requests_an_export_follows_its_progress_and_downloads_it(
    page, transactional_db, request, coordinator, tmp_path
):
    world: ExportWorld = request.getfixturevalue("export_world")
    log_in(page, "coordinator")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Research exports").click()
    page.get_by_role("link", name="Request an export").click()
    page.get_by_label("Programme").select_option(str(world.campaign.programme_id))
    page.get_by_label("Campaign").select_option(str(world.campaign.pk))
    page.get_by_label("Research purpose").fill("Validation of the lung AI model")
    page.get_by_label("Approval reference").fill("REC 24/NE/0042")
    page.get_by_role("button", name="Request export").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Research export")
    expect(page.locator("#export-status")).to_have_text("Succeeded", timeout=60_000)
    assert page.locator("#export-progress-bar").get_attribute("value") == "100"
    expect(page.locator("#export-counts")).to_contain_text("2 participants, 2 studies, 4 files")

    with page.expect_download() as download_info:
        page.locator("#export-download").click()
    saved = tmp_path / "package.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as package:
        names = package.namelist()
    assert sum(name.endswith(".dcm") for name in names) == 4
    assert any(name.endswith("/clinical.csv") for name in names)
