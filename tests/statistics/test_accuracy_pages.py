"""The Outcomes, Accuracy and Readers pages, their CSVs and API answers, reader codes per role, and
the coordinator's audited drill-down."""

import csv
import io

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from screening.core.models import AuditEvent
from screening.patients.models import Patient
from screening.statistics.accuracy_selectors import PAGES, page_board
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.reader_figures import reader_code
from tests.page_text import without_tokens
from tests.statistics.accuracy_world import accuracy_world
from tests.statistics.test_dashboard_pages import TableReader


@pytest.fixture
def world(db):
    return accuracy_world()


def page_tables(html: str) -> dict[str, list[list[str]]]:
    reader = TableReader()  # reads /statistics/<page>/charts/<slug>.csv links too
    reader.feed(html)
    return reader.tables


@pytest.mark.parametrize("page", PAGES)
def test_each_pages_csvs_equal_their_tables(auditor_client, auditor, world, page):
    query = {"campaign": world["campaign"].pk}
    html = auditor_client.get(reverse(f"statistics:{page}"), query).content.decode()
    tables = page_tables(html)
    board = page_board(page=page, user=auditor, filters=KpiFilters(campaign=world["campaign"].pk))
    assert {chart.slug for chart in board.charts} == set(tables)
    for slug, table in tables.items():
        response = auditor_client.get(reverse("statistics:page_chart_csv", args=[page, slug]), query)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(response.content.decode()))) == table


def test_the_accuracy_csv_carries_the_hand_worked_operating_points(auditor_client, world):
    query = {"campaign": world["campaign"].pk}
    rows = auditor_client.get(reverse("statistics:page_chart_csv", args=["accuracy", "decisions"]), query)
    table = {row[0]: row for row in csv.reader(io.StringIO(rows.content.decode()))}
    assert table["Final decision (episode result)"][1:8] == ["48", "<5", "10", "8", "6", "24", "62.5"]
    assert table["Arbitrations"][7] == "suppressed"  # 2 true positives: under 5


def test_the_pages_show_no_participant_and_no_username_to_auditors(auditor_client, world):
    for patient in Patient.objects.all():
        patient.family_name = f"Quxbridge-{patient.pk}"
        patient.save(update_fields=["family_name"])
    for page in PAGES:
        html = without_tokens(auditor_client.get(reverse(f"statistics:{page}")).content.decode())
        assert "Quxbridge" not in html and "reada" not in html and "Reada" not in html
    readers = auditor_client.get(reverse("statistics:readers")).content.decode()
    for user in world["readers"][:2]:
        assert reader_code(user.pk) in readers


def test_admins_see_reader_names_beside_the_codes(admin_client_, world):
    readers = admin_client_.get(reverse("statistics:readers")).content.decode()
    a = world["readers"][0]
    assert reader_code(a.pk) in readers and "Reada" in readers
    answer = admin_client_.get(reverse("statistics-readers")).json()
    assert {reader["name"] for reader in answer["readers"]} == {"Reada", "Readb"}


def test_reader_codes_are_stable_and_not_usernames(world):
    a = world["readers"][0]
    assert reader_code(a.pk) == reader_code(a.pk) != reader_code(world["readers"][1].pk)
    assert a.username not in reader_code(a.pk) and reader_code(a.pk).startswith("R-")


def test_the_api_answers_the_same_figures_disclosed(auditor_client, world):
    query = {"campaign": world["campaign"].pk}
    outcomes = auditor_client.get(reverse("statistics-outcomes"), query).json()
    figures = {figure["measure"]: figure for figure in outcomes["figures"]}
    assert figures["cancer_detection_rate"]["share"]["value"] == pytest.approx(200.0)
    assert figures["dcis_detection_rate"]["share"] == {
        "numerator": "<5",
        "denominator": 50,
        "per": 1000,
        "value": None,
        "low": None,
        "high": None,
        "suppressed": True,
    }
    accuracy = auditor_client.get(reverse("statistics-accuracy"), query).json()
    assert accuracy["truths"] == {"screened": 50, "positives": 16, "negatives": 32, "unknown": "<5"}
    ai = next(decision for decision in accuracy["decisions"] if decision["key"] == "ai")
    assert ai["sensitivity"]["value"] == pytest.approx(100 * 9 / 16) and ai["false_positive"] == "<5"
    assert 0.5 < accuracy["auc"]["auc"] < 1 and accuracy["auc"]["curve"][0][:2] == [0.0, 0.0]
    readers = auditor_client.get(reverse("statistics-readers"), query).json()
    assert {reader["name"] for reader in readers["readers"]} == {""}
    bad = auditor_client.get(reverse("statistics-accuracy"), {"model_version": "no version"})
    assert bad.status_code == 400


def test_the_openapi_schema_documents_the_new_answers(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    paths = yaml.safe_load(schema_file.read_text())["paths"]
    for name in ("outcomes", "accuracy", "readers"):
        parameters = {p["name"] for p in paths[f"/api/v1/statistics/{name}/"]["get"]["parameters"]}
        assert {"campaign", "month_from", "model_version"} <= parameters


def test_a_coordinator_drills_down_to_the_benign_recalls_and_the_list_is_audited(
    coordinator_client, coordinator, world
):
    world["campaign"].assigned_staff.add(coordinator)
    query = {"campaign": world["campaign"].pk}
    response = coordinator_client.get(reverse("statistics:drilldown", args=["false_positive"]), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("False positive recall") == 8
    event = AuditEvent.objects.get(object_type="statistics_episode_list")
    assert event.detail["figure"] == "false_positive" and len(event.detail["episodes"]) == 8
    outcomes = coordinator_client.get(reverse("statistics:outcomes"), query).content.decode()
    assert reverse("statistics:drilldown", args=["false_positive"]) in outcomes


def test_auditors_never_see_the_episodes_behind_a_figure(auditor_client, world):
    response = auditor_client.get(reverse("statistics:drilldown", args=["false_positive"]))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(object_type="statistics_episode_list").exists()
    outcomes = auditor_client.get(reverse("statistics:outcomes")).content.decode()
    assert "/statistics/episodes/" not in outcomes


def test_a_coordinator_sees_only_the_campaigns_they_run(coordinator_client, coordinator, world):
    answer = coordinator_client.get(reverse("statistics-accuracy")).json()
    assert answer["truths"]["screened"] == "<5"  # none of theirs
    world["recent"].assigned_staff.add(coordinator)
    answer = coordinator_client.get(reverse("statistics-outcomes")).json()
    assert answer["truths"] == {"screened": 5, "positives": "<5", "negatives": "<5", "unknown": 5}
