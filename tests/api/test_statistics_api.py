"""The statistics API: every KPI, the same disclosed numbers as the dashboard, in the schema."""

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.kpi_selectors import kpi_overview
from tests.statistics.kpi_world import kpi_world


@pytest.fixture
def world(db):
    return kpi_world()


def _figures(row):
    return {figure["measure"]: figure for figure in row["figures"]}


def test_the_overview_answers_the_dashboards_figures(auditor_api, auditor, world):
    query = {"programme": "breast", "campaign": world["leeds"].pk}
    body = auditor_api.get(reverse("statistics-kpis"), query).json()
    overall = _figures(body["rows"][0])
    assert overall["invitations"]["count"] == 10
    assert overall["uptake"]["share"]["numerator"] == 8 and overall["uptake"]["share"]["value"] == 80.0
    assert overall["recall_rate"]["share"] == {
        "numerator": "<5",
        "denominator": 8,
        "per": 100,
        "value": None,
        "low": None,
        "high": None,
        "suppressed": True,
    }
    assert overall["backlog"]["count"] == "<5"
    page_rows = kpi_overview(user=auditor, filters=KpiFilters(programme="breast", campaign=world["leeds"].pk))
    within = page_rows[0].figure("result_within_standard").share
    assert overall["result_within_standard"]["share"]["value"] == within.value
    assert overall["result_within_standard"]["share"]["low"] == within.low
    standards = {s["code"]: s["rag"] for s in overall["technical_recall_rate"]["standards"]}
    assert standards == {"nhs_bsp.technical_recall_rate": None, "european.technical_recall_rate": None}


@pytest.mark.parametrize(
    ("measure", "by", "expected"),
    [
        ("invitations", "site", {"Leeds": 14, "York": 6}),
        ("technical_recall_rate", "campaign", {}),
    ],
)
def test_one_kpi_per_group(auditor_api, world, measure, by, expected):
    body = auditor_api.get(reverse("statistics-kpi", args=[measure]), {"by": by}).json()
    assert body["measure"] == measure and body["by"] == by
    got = {
        group["group"]: group["figure"]["count"]
        if group["figure"]["count"] is not None
        else group["figure"]["share"]["numerator"]
        for group in body["groups"]
    }
    assert {key: got[key] for key in expected} == expected


def test_uptake_per_age_band_of_one_campaign(auditor_api, world):
    query = {"by": "age_band", "campaign": world["leeds"].pk}
    body = auditor_api.get(reverse("statistics-kpi", args=["uptake"]), query).json()
    shares = {group["group"]: group["figure"]["share"] for group in body["groups"]}
    assert (shares["55-59"]["numerator"], shares["55-59"]["denominator"], shares["55-59"]["value"]) == (
        5,
        5,
        100.0,
    )
    assert shares["60-64"]["numerator"] == "<5" and shares["60-64"]["suppressed"]


def test_months_are_named_by_their_month(auditor_api, world):
    query = {"campaign": world["leeds"].pk, "by": "month"}
    body = auditor_api.get(reverse("statistics-kpi", args=["invitations"]), query).json()
    assert [(g["group"], g["figure"]["count"]) for g in body["groups"]] == [
        ("2025-01", 10),
        ("2025-02", "<5"),
    ]


def test_the_backlog_and_its_forecast_are_disclosed(auditor_api, world):
    body = auditor_api.get(reverse("statistics-backlog"), {"campaign": world["york"].pk}).json()
    assert body["waiting"] == "<5" and body["oldest_days"] is None
    assert len(body["daily_throughput"]) == 14 and len(body["breaches_by_day"]) == 16
    assert {entry["count"] for entry in body["breaches_by_day"]} == {"<5"}


def test_bad_filters_and_unknown_kpis_are_refused(auditor_api, world):
    assert auditor_api.get(reverse("statistics-kpis"), {"month_from": "2025-13"}).status_code == 400
    assert auditor_api.get(reverse("statistics-kpis"), {"round": "third"}).status_code == 400
    assert auditor_api.get(reverse("statistics-kpi", args=["happiness"])).status_code == 404


def test_who_may_ask(coordinator_api, radiologist_api, anonymous_api, world):
    assert radiologist_api.get(reverse("statistics-kpis")).status_code == 403
    assert anonymous_api.get(reverse("statistics-kpis")).status_code in (401, 403)
    # A coordinator sees the campaigns they run, and nothing of the others.
    refused = coordinator_api.get(reverse("statistics-kpis"), {"campaign": world["leeds"].pk})
    assert refused.status_code == 400
    assert (
        _figures(coordinator_api.get(reverse("statistics-kpis")).json()["rows"][0])["invitations"]["count"]
        == "<5"
    )


def test_the_statistics_endpoints_are_in_the_schema(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    paths = yaml.safe_load(schema_file.read_text())["paths"]
    assert {
        "/api/v1/statistics/kpis/",
        "/api/v1/statistics/kpis/{measure}/",
        "/api/v1/statistics/backlog/",
    } <= set(paths)
