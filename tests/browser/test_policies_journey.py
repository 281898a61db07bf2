"""The what-if simulator and the equity page in Chromium: an administrator runs AI as second reader
on a campaign's history, sees the curve drawn, saves the scenario and applies it; an auditor reads
the equity page and its CSV equals the table; nav links follow the role."""

import csv
import io

import pytest

from screening.campaigns.models import Campaign, ReadingPolicy
from screening.core.roles import Role
from tests.browser.conftest import log_in
from tests.browser.test_statistics_dashboard import _keep_error, _table_rows
from tests.factories import UserFactory
from tests.statistics.accuracy_world import accuracy_world


@pytest.mark.usefixtures("one_request_at_a_time")
def test_an_admin_runs_saves_and_applies_a_scenario(page, transactional_db):
    world = accuracy_world()
    world["campaign"].assigned_staff.add(*world["readers"])
    UserFactory(username="admin", role=Role.ADMIN)
    errors: list[str] = []
    page.on("console", lambda message: _keep_error(errors, message))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "admin")

    page.get_by_role("link", name="What-if simulator").click()
    page.locator("select[name=campaign]").select_option(label="Accuracy 2021 (Leeds)")
    page.locator("select[name=base]").select_option(value="ai_second_reader")
    page.locator("input[name=ai_threshold]").fill("0.5")
    page.get_by_role("button", name="Run").click()
    page.wait_for_url(lambda url: "ai_threshold=0.5" in url)
    page.locator("#plot-curve svg.main-svg").first.wait_for(state="attached")
    assert page.locator("#plot-curve .scatterlayer .trace").count() >= 4  # three curves and the point
    figures = page.locator("table").filter(has=page.locator("caption", has_text="replayed policy"))
    recall_row = figures.locator("tr", has_text="Recall rate")
    assert "40.0" in recall_row.locator("td").nth(0).inner_text()  # real: 20 of 50
    assert "38.0" in recall_row.locator("td").nth(1).inner_text()  # AI as second reader: 19 of 50

    page.locator("input[name=note]").fill("Fewer second reads")
    page.get_by_role("button", name="Save scenario").click()
    page.wait_for_url(lambda url: "/policies/scenarios/" in url)
    assert page.get_by_text("Scenario saved.").is_visible()
    page.locator("input[name=reason]").fill("Programme board, December")
    page.get_by_role("button", name="Apply to the campaign").click()
    page.get_by_text("Applied to Accuracy 2021.").wait_for()
    assert page.get_by_text("Programme board, December").is_visible()
    campaign = Campaign.objects.get(pk=world["campaign"].pk)
    assert campaign.reading_policy == ReadingPolicy.AI_SECOND_READER
    assert campaign.ai_high_suspicion_threshold == 0.5
    assert errors == []


@pytest.mark.usefixtures("one_request_at_a_time")
def test_the_auditor_reads_equity_and_its_csv_equals_the_table(page, transactional_db, tmp_path):
    accuracy_world()
    UserFactory(username="auditor", role=Role.AUDITOR)
    errors: list[str] = []
    page.on("console", lambda message: _keep_error(errors, message))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "auditor")
    assert page.get_by_role("link", name="What-if simulator").count() == 1

    page.goto("/statistics/")
    page.get_by_role("link", name="Equity").click()
    page.locator("select[name=group]").select_option(label="Site")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(lambda url: "group=site" in url)
    page.locator("#plot-equity svg.main-svg").first.wait_for(state="attached")
    table = page.locator("table").filter(has=page.locator("caption", has_text="Equity by site"))
    with page.expect_download() as download_info:
        table.locator("caption").get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "equity.csv"
    download_info.value.save_as(saved)
    downloaded = list(csv.reader(io.StringIO(saved.read_text())))
    assert downloaded == _table_rows(table) and downloaded[2][0] == "Leeds"
    assert errors == []


@pytest.mark.usefixtures("one_request_at_a_time")
def test_radiologists_have_no_simulator_link(page, transactional_db):
    UserFactory(username="radiologist", role=Role.RADIOLOGIST)
    log_in(page, "radiologist")
    assert page.get_by_role("link", name="What-if simulator").count() == 0
