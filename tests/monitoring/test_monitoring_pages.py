"""The monitoring page and API: who sees them, acknowledging and closing alerts (audited), the
charts with their tables, and the nav link."""

import pytest
from django.test import Client

from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.monitoring.alert_services import monitoring_evaluate
from screening.monitoring.models import AlertKind, AlertStatus, MonitoringAlert
from tests.monitoring.monitoring_world import SHIFTED_SCANNERS, WeekPlan, history_write


@pytest.fixture
def raised(db, settings):
    settings.MONITORING_MIN_RESULTS = 100
    history_write(
        [WeekPlan(results=120)] * 2 + [WeekPlan(results=120, degraded=True, scanners=SHIFTED_SCANNERS)],
        seed=3,
    )
    monitoring_evaluate(actor=Actor.system("test"))
    return MonitoringAlert.objects.get(kind=AlertKind.SCORE_DRIFT)


def test_the_auditor_sees_charts_each_with_its_table_and_the_open_alerts(auditor_client, raised):
    response = auditor_client.get("/monitoring/", {"model": "breast-demo:2.0.0", "site": "Leeds"})

    html = response.content.decode()
    assert response.status_code == 200
    for slug in ("timeline", "score-drift", "triage-bands", "input-manufacturer"):
        assert f'id="plot-{slug}"' in html and f'id="figure-{slug}"' in html
    assert html.count("<table") >= 5
    assert "Score drift (PSI major)" in html and "FUJIFILM" in html
    assert 'href="/monitoring/"' in html  # the nav link


def test_coordinators_and_radiologists_are_refused_and_have_no_link(
    coordinator_client, radiologist_client, raised
):
    for client in (coordinator_client, radiologist_client):
        assert client.get("/monitoring/").status_code == 403
        assert 'href="/monitoring/"' not in client.get("/").content.decode()


def test_the_auditor_acknowledges_with_a_note_but_may_not_close(auditor_client, auditor, raised):
    response = auditor_client.post(
        f"/monitoring/alerts/{raised.pk}/acknowledge/", {"note": "Scanner swap at Leeds"}
    )

    raised.refresh_from_db()
    assert response.status_code == 302
    assert (raised.status, raised.acknowledged_by, raised.acknowledgement_note) == (
        AlertStatus.ACKNOWLEDGED,
        auditor,
        "Scanner swap at Leeds",
    )
    assert AuditEvent.objects.filter(
        action="monitoring_alert_acknowledged", object_id=str(raised.pk)
    ).exists()
    assert auditor_client.post(f"/monitoring/alerts/{raised.pk}/close/", {"note": "x"}).status_code == 403


def test_an_acknowledgement_needs_a_note(auditor_client, raised):
    auditor_client.post(f"/monitoring/alerts/{raised.pk}/acknowledge/", {"note": "  "})
    raised.refresh_from_db()
    assert raised.status == AlertStatus.RAISED


def test_the_admin_closes_an_alert_with_a_reason(admin_client_, admin_user, raised):
    admin_client_.post(f"/monitoring/alerts/{raised.pk}/close/", {"note": "Recalibrated"})

    raised.refresh_from_db()
    assert (raised.status, raised.closed_by, raised.close_note) == (
        AlertStatus.CLOSED,
        admin_user,
        "Recalibrated",
    )
    assert AuditEvent.objects.filter(action="monitoring_alert_closed", object_id=str(raised.pk)).exists()


def test_the_api_lists_acknowledges_and_shows_the_drift(auditor, raised):
    client = Client()
    client.force_login(auditor)

    listed = client.get("/api/v1/monitoring/alerts/", {"status": "raised"}).json()
    kinds = {alert["kind"] for alert in listed["results"]}
    acknowledged = client.post(
        f"/api/v1/monitoring/alerts/{raised.pk}/acknowledge/",
        {"note": "Seen"},
        content_type="application/json",
    )
    again = client.post(
        f"/api/v1/monitoring/alerts/{raised.pk}/acknowledge/",
        {"note": "Seen"},
        content_type="application/json",
    )
    drift = client.get("/api/v1/monitoring/drift/", {"model": "breast-demo:2.0.0", "site": "Leeds"}).json()

    assert {"score_drift", "input_new_value"} <= kinds
    assert acknowledged.status_code == 200 and acknowledged.json()["acknowledged_by"] == auditor.username
    assert again.status_code == 400
    assert [week["results"] for week in drift["score_weeks"]] == [120, 120, 120]
    assert drift["score_weeks"][-1]["level"] == "major" and drift["score_weeks"][0]["level"] == "stable"
    assert client.post(f"/api/v1/monitoring/alerts/{raised.pk}/close/", {"note": "x"}).status_code == 403


def test_cusum_charts_print_their_design_and_the_page_draws_the_latest_weeks(auditor_client, db):
    from datetime import date, timedelta

    from screening.monitoring.models import OutcomeWeek

    OutcomeWeek.objects.bulk_create(
        OutcomeWeek(
            model_key="breast-demo:2.0.0",
            site="Leeds",
            week=date(2025, 1, 6) + timedelta(weeks=n),
            episodes=40,
            flagged=8,
            cancers=8,
            flagged_cancers=6,
        )
        for n in range(30)
    )

    html = auditor_client.get(
        "/monitoring/", {"model": "breast-demo:2.0.0", "site": "Leeds"}
    ).content.decode()

    assert 'id="plot-cusum-sensitivity-down"' in html and 'id="plot-cusum-ppv-down"' in html
    assert "in-control run length (ARL0) of" in html and "expected detection delay" in html
    assert "Alerts only from 10 observations: 240 so far." in html
    assert "2025-01-27" not in html  # week 4 of 30: before the latest 26
    assert "2025-02-03" in html
