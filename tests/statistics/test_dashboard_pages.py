"""The auditor's dashboard: figures without identifiers, each chart's CSV equal to its table."""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from screening.campaigns.models import Patient
from tests.page_text import without_tokens
from tests.statistics.kpi_world import kpi_world


@pytest.fixture
def world(db):
    return kpi_world()


class TableReader(HTMLParser):
    """Each table's caption slug (from its CSV link) and its rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.current = []
        elif tag == "a" and self.current is not None and "csv" in (attrs.get("href") or ""):
            slug = attrs["href"].split("/charts/")[1].split(".csv")[0]
            self.tables[slug] = self.current
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.current:
            self.current[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_the_dashboard_shows_the_kpis_without_any_participant(auditor_client, world):
    for patient in Patient.objects.all():  # names no page word could match by chance
        patient.family_name = f"Quxbridge-{patient.pk}"
        patient.save(update_fields=["family_name"])
    page = without_tokens(auditor_client.get(reverse("statistics")).content.decode())
    assert "Leeds 2025" in page and "Programme statistics" in page
    assert "nhs_bsp.technical_recall_rate" in page  # the standards judge the tiles
    assert "plotly/plotly.min.js" in page and "cdn" not in page.lower()
    for family_name, identifier in Patient.objects.values_list("family_name", "identifier"):
        assert family_name not in page and identifier not in page


@pytest.mark.parametrize("chart", ["funnel", "trends", "breakdown", "backlog"])
def test_each_charts_csv_equals_its_table(auditor_client, world, chart):
    query = {"campaign": world["leeds"].pk, "by": "round"}
    reader = TableReader()
    reader.feed(auditor_client.get(reverse("statistics"), query).content.decode())
    response = auditor_client.get(reverse("statistics:chart_csv", args=[chart]), query)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == reader.tables[chart]


def test_the_funnel_and_breakdown_csvs_carry_the_hand_worked_numbers(auditor_client, world):
    query = {"campaign": world["leeds"].pk, "by": "round"}
    funnel = auditor_client.get(reverse("statistics:chart_csv", args=["funnel"]), query).content.decode()
    assert funnel.splitlines() == [
        "Stage,Episodes",
        "Invited,10",
        "Attended,8",
        "Routine or recall result,8",
        "Recalled for assessment,<5",
    ]
    breakdown = auditor_client.get(
        reverse("statistics:chart_csv", args=["breakdown"]), query
    ).content.decode()
    assert "First round,6,<5,suppressed" in breakdown


def test_a_filter_outside_ones_scope_is_refused(coordinator_client, world):
    response = coordinator_client.get(reverse("statistics"), {"campaign": world["leeds"].pk})
    assert response.status_code == 400 and "No such campaign among yours" in response.content.decode()
    assert coordinator_client.get(reverse("statistics:chart_csv", args=["nope"])).status_code == 404


def test_a_radiologist_is_refused(radiologist_client):
    client = radiologist_client
    assert client.get(reverse("statistics")).status_code == 403
    assert client.get(reverse("statistics:chart_csv", args=["funnel"])).status_code == 403


def test_plotly_js_is_served_from_the_package(auditor_client, world):
    from django.contrib.staticfiles import finders

    found = finders.find("plotly/plotly.min.js")
    assert found and found.endswith("package_data/plotly.min.js")
