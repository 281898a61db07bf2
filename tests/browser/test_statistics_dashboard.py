"""The auditor's dashboard and accuracy page in Chromium: plotly draws every chart, a filter redraws
them, a CSV downloads with the numbers of the table beside the chart."""

import csv
import io

import pytest

from screening.core.roles import Role
from tests.browser.conftest import log_in
from tests.factories import UserFactory
from tests.statistics.accuracy_world import accuracy_world
from tests.statistics.kpi_world import kpi_world

CHARTS = ("funnel", "trends", "breakdown", "backlog")


def _charts_drawn(page) -> None:
    for slug in CHARTS:
        page.locator(f"#plot-{slug} svg.main-svg").first.wait_for(state="attached")


def _keep_error(errors: list[str], message) -> None:
    """A console error, except the browser's own request for a favicon (the site has none)."""
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        errors.append(f"{message.text} at {message.location.get('url')}")


@pytest.mark.usefixtures("one_request_at_a_time")
def test_the_auditor_filters_the_dashboard_and_downloads_a_csv(page, transactional_db, tmp_path):
    kpi_world()
    UserFactory(username="auditor", role=Role.AUDITOR)
    errors: list[str] = []
    page.on("console", lambda message: _keep_error(errors, message))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "auditor")

    page.goto("/statistics/")
    _charts_drawn(page)
    # plotly's funnel trace, drawn as SVG
    assert page.locator("#plot-funnel .funnellayer .trace").count() >= 1

    page.locator("select[name=campaign]").select_option(label="Leeds 2025")
    page.locator("select[name=by]").select_option(label="Round")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(lambda url: "by=round" in url)
    _charts_drawn(page)
    assert page.locator("table").filter(has_text="First round").count() >= 1

    with page.expect_download() as download_info:
        caption = page.locator("caption", has_text="The screening funnel")
        caption.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "funnel.csv"
    download_info.value.save_as(saved)
    assert saved.read_text().splitlines()[:3] == ["Stage,Episodes", "Invited,10", "Attended,8"]
    assert errors == []


def _table_rows(table) -> list[list[str]]:
    """The table's header and body as the auditor reads them, cell by cell."""
    rows = table.locator("thead tr, tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


@pytest.mark.usefixtures("one_request_at_a_time")
def test_the_auditor_reads_the_accuracy_page_and_its_csv_equals_the_table(page, transactional_db, tmp_path):
    world = accuracy_world()
    UserFactory(username="auditor", role=Role.AUDITOR)
    errors: list[str] = []
    page.on("console", lambda message: _keep_error(errors, message))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "auditor")

    page.goto(f"/statistics/accuracy/?campaign={world['campaign'].pk}")
    for slug in ("decisions", "roc"):
        page.locator(f"#plot-{slug} svg.main-svg").first.wait_for(state="attached")
    assert page.locator("#plot-roc .scatterlayer .trace").count() >= 1  # the ROC curve, drawn

    table = page.locator("table").filter(has=page.locator("caption", has_text="ROC curve"))
    with page.expect_download() as download_info:
        table.locator("caption").get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "roc.csv"
    download_info.value.save_as(saved)
    downloaded = list(csv.reader(io.StringIO(saved.read_text())))
    assert len(downloaded) > 2 and downloaded == _table_rows(table)
    assert errors == []
