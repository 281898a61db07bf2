"""The auditor in Chromium: the monitoring page draws its charts, shows an alert raised by a degraded
model, and the auditor acknowledges it with a note; at phone width the page still fits."""

import pytest

from screening.core.actors import Actor
from screening.core.roles import Role
from screening.monitoring.alert_services import monitoring_evaluate
from screening.monitoring.models import AlertKind, AlertStatus, MonitoringAlert
from tests.browser.conftest import log_in
from tests.factories import UserFactory
from tests.monitoring.monitoring_world import WeekPlan, history_write


@pytest.mark.usefixtures("one_request_at_a_time")
def test_the_auditor_acknowledges_a_score_drift_alert(page, transactional_db, settings):
    settings.MONITORING_MIN_RESULTS = 50
    history_write([WeekPlan(results=60)] * 2 + [WeekPlan(results=60, degraded=True)], seed=4)
    monitoring_evaluate(actor=Actor.system("test"))
    alert = MonitoringAlert.objects.get(kind=AlertKind.SCORE_DRIFT)
    auditor = UserFactory(username="auditor", role=Role.AUDITOR)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "auditor")

    page.get_by_role("link", name="AI monitoring").click()
    page.wait_for_url("**/monitoring/")
    for slug in ("timeline", "score-drift", "triage-bands"):
        page.locator(f"#plot-{slug} svg.main-svg").first.wait_for(state="attached")
    row = page.locator(f"tr[data-alert='{alert.pk}']")
    assert "Score drift (PSI major)" in row.inner_text()
    row.get_by_label("Note").fill("New detector calibration at Leeds; vendor contacted")
    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url("**/monitoring/")

    assert page.get_by_text(f"Alert {alert.pk} acknowledged.").is_visible()
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by_id) == (AlertStatus.ACKNOWLEDGED, auditor.pk)
    assert "acknowledged" in page.locator(f"tr[data-alert='{alert.pk}']").inner_text().lower()
    assert page.get_by_role("button", name="Close").count() == 0  # closing is the administrator's

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    assert errors == []
