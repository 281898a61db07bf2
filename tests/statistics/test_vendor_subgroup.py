"""The vendor subgroup (DICOM Manufacturer and ManufacturerModelName of the episode's images): its
facts and counts by hand, the filter and breakdown on the dashboard, its CSV and the API.

On kpi_world's Leeds 2025: participants 0-5 have a study whose series name "Hologic" "Selenia
Dimensions"; 6's series names no maker; 7 has no study; 8 and 9 did not attend. So the vendor
"Hologic Selenia Dimensions" has 6 invited, 6 attended and screened, 2 recalled (0 and 4), 1
technical recall (1), 6 within 14 days; "unknown" has 4 invited, 2 attended and screened, no
recall, 1 within 14 days (7's result came after 20).
"""

import csv
import io
import itertools
from types import SimpleNamespace

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from screening.campaigns.models import Episode
from screening.imaging.models import IntakeSource, Series, Study, StudyMatch
from screening.statistics.kpi_counts import counts_total, kpi_counts
from screening.statistics.kpi_facts_services import kpi_facts_rebuild, kpi_facts_refresh
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.kpi_selectors import kpi_overview
from screening.statistics.models import EpisodeKpiFacts, KpiMonthCounts
from tests.statistics.kpi_world import kpi_world

HOLOGIC = "Hologic Selenia Dimensions"
_uids = itertools.count(1)


def study_with_series(episode: Episode, *, manufacturer: str, model: str) -> Study:
    study = Study.objects.create(
        study_instance_uid=f"1.2.826.0.1.3680043.10.88.{next(_uids)}",
        patient=episode.patient,
        episode=episode,
        match_status=StudyMatch.MATCHED,
        first_source=IntakeSource.UPLOAD,
        modality="MG",
    )
    Series.objects.create(
        study=study,
        series_instance_uid=f"1.2.826.0.1.3680043.10.89.{next(_uids)}",
        modality="MG",
        manufacturer=manufacturer,
        manufacturer_model=model,
    )
    return study


@pytest.fixture
def world(db):
    world = kpi_world()
    leeds = Episode.objects.filter(campaign=world["leeds"]).order_by("patient__date_of_birth")
    episodes = list(reversed(leeds))  # participant i was born 55 + i years before: youngest last
    for episode in episodes[:6]:
        study_with_series(episode, manufacturer="Hologic", model="Selenia Dimensions")
    study_with_series(episodes[6], manufacturer="", model="")
    kpi_facts_rebuild()
    return world


def _by_vendor(user, **filters):
    groups = kpi_counts(user=user, filters=KpiFilters(**filters), keys=("vendor",))
    return {group.key[0]: dict(group.counts) for group in groups}


def test_the_vendor_counts_by_hand(auditor, world):
    by_vendor = _by_vendor(auditor, campaign=world["leeds"].pk)
    assert set(by_vendor) == {HOLOGIC, "unknown"}
    hologic, unknown = by_vendor[HOLOGIC], by_vendor["unknown"]
    assert (hologic["invited"], hologic["attended"], hologic["screened"]) == (6, 6, 6)
    assert (hologic["recalled"], hologic["technical_recalls"], hologic["within_standard"]) == (2, 1, 6)
    assert (unknown["invited"], unknown["attended"], unknown["screened"]) == (4, 2, 2)
    assert (unknown["recalled"], unknown["within_standard"]) == (0, 1)
    # Episodes without images (Leeds 2022, York) are "unknown" too.
    assert set(_by_vendor(auditor)) == {HOLOGIC, "unknown"}


def test_the_vendor_filter_narrows_every_kpi(auditor, world):
    counts = counts_total(
        kpi_counts(user=auditor, filters=KpiFilters(campaign=world["leeds"].pk, vendor=HOLOGIC), keys=())
    )
    assert (counts["invited"], counts["screened"], counts["recalled"]) == (6, 6, 2)
    overall = kpi_overview(user=auditor, filters=KpiFilters(programme="breast", vendor=HOLOGIC))[0]
    uptake = overall.figure("uptake").share
    assert (uptake.numerator, uptake.denominator, uptake.value) == (6, 6, pytest.approx(100.0))
    assert {judgement.code: judgement.rag for judgement in overall.figure("uptake").standards} == {
        "nhs_bsp.uptake": "green"
    }
    assert _by_vendor(auditor, vendor="Other Maker") == {}


def test_a_refresh_gives_the_rebuilds_vendor(auditor, world):
    """The facts kept by the services agree with the rebuild once images arrive."""
    episode = (
        Episode.objects.filter(campaign=world["leeds"], imaged_at__isnull=False)
        .exclude(pk__in=Study.objects.values("episode_id"))
        .get()
    )  # participant 7, who has no study yet
    study_with_series(episode, manufacturer="GE", model="Senographe Pristina")
    kpi_facts_refresh([episode.pk])
    assert EpisodeKpiFacts.objects.get(episode=episode).vendor == "GE Senographe Pristina"
    kept = sorted(KpiMonthCounts.objects.values_list("campaign", "month", "vendor", "screened", "invited"))
    kpi_facts_rebuild()
    assert kept == sorted(
        KpiMonthCounts.objects.values_list("campaign", "month", "vendor", "screened", "invited")
    )


def test_the_dashboard_offers_the_vendor_and_its_breakdown_csv_is_disclosed(auditor_client, world):
    query = {"campaign": world["leeds"].pk, "by": "vendor"}
    page = auditor_client.get(reverse("statistics"), query).content.decode()
    assert f'<option value="{HOLOGIC}"' in page and '<option value="vendor" selected' in page
    breakdown = auditor_client.get(reverse("statistics:chart_csv", args=["breakdown"]), query)
    rows = list(csv.reader(io.StringIO(breakdown.content.decode())))
    by_label = {row[0]: row for row in rows[1:]}
    assert set(by_label) == {HOLOGIC, "unknown"}
    # Invited, screened, recall rate (2 recalls: suppressed), its interval.
    assert by_label[HOLOGIC][1:6] == ["6", "6", "suppressed", "suppressed", "suppressed"]
    assert by_label["unknown"][1:3] == ["<5", "<5"]  # 4 invited, 2 screened
    filtered = auditor_client.get(reverse("statistics:chart_csv", args=["funnel"]), {"vendor": HOLOGIC})
    assert "Invited,6" in filtered.content.decode()


def test_the_api_breaks_a_kpi_down_by_vendor_and_filters_by_it(auditor_client, world):
    url = reverse("statistics-kpi", args=["uptake"])
    answer = auditor_client.get(url, {"campaign": world["leeds"].pk, "by": "vendor"}).json()
    groups = {group["group"]: group["figure"]["share"] for group in answer["groups"]}
    assert groups[HOLOGIC]["numerator"] == 6 and groups[HOLOGIC]["denominator"] == 6
    assert groups["unknown"]["numerator"] == "<5" and groups["unknown"]["suppressed"]
    overview = auditor_client.get(reverse("statistics-kpis"), {"vendor": HOLOGIC}).json()
    assert overview["filters"] == {"vendor": HOLOGIC}
    too_long = auditor_client.get(reverse("statistics-kpis"), {"vendor": "x" * 200})
    assert too_long.status_code == 400 and "vendor" in too_long.json()


def test_the_openapi_schema_documents_the_vendor(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    paths = yaml.safe_load(schema_file.read_text())["paths"]
    for path in ("/api/v1/statistics/kpis/", "/api/v1/statistics/accuracy/"):
        assert "vendor" in {p["name"] for p in paths[path]["get"]["parameters"]}
    breakdown = paths["/api/v1/statistics/kpis/{measure}/"]["get"]["parameters"]
    by = next(p for p in breakdown if p["name"] == "by")
    assert "vendor" in by["schema"]["enum"]


def test_a_migrations_fill_waits_for_the_columns_of_todays_code(world, monkeypatch):
    """Of the migrations that change the facts' columns, only the last (today's columns) fills them."""
    from django.db import connection

    from screening.statistics.kpi_facts_services import kpi_facts_fill_in_migration

    editor = SimpleNamespace(connection=connection)  # what the fill uses of a schema editor
    kept = sorted(EpisodeKpiFacts.objects.values_list("episode_id", "vendor"))
    EpisodeKpiFacts.objects.all().delete()
    KpiMonthCounts.objects.all().delete()
    describe = connection.introspection.get_table_description

    def without_vendor(cursor, table):
        return [column for column in describe(cursor, table) if column.name != "vendor"]

    monkeypatch.setattr(connection.introspection, "get_table_description", without_vendor)
    kpi_facts_fill_in_migration(editor)  # an earlier migration: the table lacks a column
    assert not EpisodeKpiFacts.objects.exists()
    monkeypatch.undo()
    kpi_facts_fill_in_migration(editor)
    assert sorted(EpisodeKpiFacts.objects.values_list("episode_id", "vendor")) == kept
