"""Accuracy per subgroup (age band, round, vendor, site, AI model) and the vendor filter on the
accuracy pages, their CSVs and the API, on accuracy_world's hand-worked campaign.

"Accuracy 2021": the 10 screen-detected, the 8 false-positive recalls and the first 12 true
negatives have images whose series name "Hologic" "Selenia Dimensions"; the other episodes' studies
have no series ("unknown"). By hand:
- Hologic: final decision TP 10, FN 0 (sensitivity 100%), FP 8, TN 12 (specificity 60%); the AI
  at 0.5: TP 8 (.95-.6), FN 2 (.4, .3), FP 3 (.6, .5 and the true negative's .52), TN 17 (85%).
- unknown: 6 interval cancers (final FN 6: TP 0, suppressed), 12 true negatives (specificity
  100%) and 2 recalled episodes whose truth is unknown.
"""

import csv
import io

import pytest
from django.urls import reverse

from screening.campaigns.models import Episode
from screening.imaging.models import Series, Study
from screening.statistics.accuracy_selectors import accuracy_board
from screening.statistics.kpi_facts_services import kpi_facts_rebuild
from screening.statistics.kpi_scope import KpiFilters
from tests.statistics.accuracy_world import accuracy_world
from tests.statistics.test_accuracy_pages import page_tables

HOLOGIC = "Hologic Selenia Dimensions"


@pytest.fixture
def world(db):
    world = accuracy_world()
    episodes = list(Episode.objects.filter(campaign=world["campaign"]).order_by("pk"))
    # Created in order: 10 screen-detected, 6 interval, 8 false positive, 24 true negative, 2 unknown.
    for index, episode in enumerate(episodes[:10] + episodes[16:36]):
        Series.objects.create(
            study=Study.objects.get(episode=episode),
            series_instance_uid=f"1.2.826.0.1.3680043.10.90.{index}",
            modality="MG",
            manufacturer="Hologic",
            manufacturer_model="Selenia Dimensions",
        )
    kpi_facts_rebuild()  # written in bulk here, not through the services that keep the facts
    return world


def _groups(user, group, **filters):
    board = accuracy_board(user=user, filters=KpiFilters(**filters), group=group)
    return {figure.group: figure for figure in board.groups}


def test_accuracy_by_vendor_by_hand(auditor, world):
    groups = _groups(auditor, "vendor", campaign=world["campaign"].pk)
    assert list(groups) == [HOLOGIC, "unknown"]
    final, ai = groups[HOLOGIC].final, groups[HOLOGIC].ai
    assert (final.decisions, final.unknown, final.true_positive, final.true_negative) == (30, "<5", 10, 12)
    assert (final.sensitivity.value, final.specificity.value) == (pytest.approx(100.0), pytest.approx(60.0))
    assert (ai.true_positive, ai.false_negative, ai.false_positive, ai.true_negative) == (8, "<5", "<5", 17)
    assert (ai.sensitivity.value, ai.specificity.value) == (pytest.approx(80.0), pytest.approx(85.0))
    unknown = groups["unknown"].final
    assert (unknown.decisions, unknown.unknown, unknown.false_negative) == (18, "<5", 6)
    assert unknown.sensitivity.suppressed and unknown.specificity.value == pytest.approx(100.0)


def test_accuracy_by_site_round_age_band_and_model(auditor, world):
    sites = _groups(auditor, "site")
    assert list(sites) == ["Leeds", "York"]
    assert sites["Leeds"].final.sensitivity.value == pytest.approx(62.5)  # 10 of 16, as a whole
    assert (sites["York"].final.decisions, sites["York"].final.unknown) == ("<5", 5)  # none known yet
    campaign = world["campaign"].pk
    for group in ("round", "age_band", "model"):
        (only,) = _groups(auditor, group, campaign=campaign).values()  # one round, band and model
        assert (only.final.decisions, only.final.sensitivity.value) == (48, pytest.approx(62.5))
    assert list(_groups(auditor, "model", campaign=campaign)) == ["m:1"]


def test_the_vendor_filter_narrows_the_accuracy_figures(auditor, world):
    board = accuracy_board(user=auditor, filters=KpiFilters(campaign=world["campaign"].pk, vendor=HOLOGIC))
    assert (board.truths.screened, board.truths.positives, board.truths.negatives) == (30, 10, 20)
    final = next(decision for decision in board.decisions if decision.key == "final")
    assert final.specificity.value == pytest.approx(60.0)


def test_the_groups_csv_equals_its_table_and_the_page_offers_the_choices(auditor_client, world):
    query = {"campaign": world["campaign"].pk, "group": "vendor"}
    html = auditor_client.get(reverse("statistics:accuracy"), query).content.decode()
    assert '<option value="vendor" selected' in html and f'<option value="{HOLOGIC}"' in html
    table = page_tables(html)["groups"]
    response = auditor_client.get(reverse("statistics:page_chart_csv", args=["accuracy", "groups"]), query)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == table
    by_group = {row[0]: row for row in rows[1:]}
    assert by_group[HOLOGIC][1:5] == ["30", "<5", "30", "100.0"]  # all 30 scored by the AI
    assert by_group["unknown"][4] == "suppressed"
    bad = auditor_client.get(reverse("statistics:accuracy"), {"group": "patient"})
    assert bad.status_code == 400


def test_the_api_answers_the_groups_disclosed(auditor_client, world):
    query = {"campaign": world["campaign"].pk, "group": "vendor", "vendor": HOLOGIC}
    answer = auditor_client.get(reverse("statistics-accuracy"), query).json()
    assert answer["group_by"] == "vendor" and answer["filters"]["vendor"] == HOLOGIC
    (hologic,) = answer["groups"]
    assert hologic["group"] == HOLOGIC and hologic["ai"]["false_positive"] == "<5"
    assert hologic["ai"]["specificity"]["value"] == pytest.approx(85.0)
    assert auditor_client.get(reverse("statistics-accuracy"), {"group": "name"}).status_code == 400
