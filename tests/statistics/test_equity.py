"""Subgroup equity on accuracy_world's hand-worked campaign: figures and intervals against scipy and
sklearn, suppression of small groups, the flag on a group whose interval excludes the overall
value, participant attributes (breast density) as a breakdown, the page, its CSV and the API.

"Accuracy 2021" has 50 decided episodes (10 screen-detected, 6 interval cancers, 8 false
positives, 24 true negatives, 2 unknown) and "Recent" 5 routine results with unknown truth. By site:
Leeds is "Accuracy 2021", York is "Recent" (5 episodes: its counts stand, its shares suppressed
for want of known truths). Density "d" is recorded for the 10 screen-detected and the 8 false
positives: all 18 recalled, so its recall rate's interval (82.4-100%) lies above the campaign's 40%.
"""

import csv
import io

import numpy as np
import pytest
from django.urls import reverse
from scipy import stats
from sklearn.metrics import roc_auc_score

from screening.campaigns.models import Episode
from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.patients.attribute_services import participant_attribute_record
from screening.statistics.equity_selectors import equity_board
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.maths.subgroups import interval_excludes
from tests.statistics.accuracy_world import accuracy_world, truth_and_scores


@pytest.fixture
def world(db):
    return accuracy_world()


def _density(world, admin_user):
    episodes = list(Episode.objects.filter(campaign=world["campaign"]).order_by("pk"))
    actor = Actor.for_user(admin_user)
    for episode in episodes[:10] + episodes[16:24]:
        participant_attribute_record(
            actor=actor, patient=episode.patient, name="breast_density", value="d", source="reader"
        )
    participant_attribute_record(actor=actor, patient=episodes[30].patient, name="breast_density", value="a")
    participant_attribute_record(actor=actor, patient=episodes[30].patient, name="breast_density", value="b")


def test_interval_flags_by_hand():
    assert interval_excludes(0.6, 0.8, 0.5) == "above"
    assert interval_excludes(0.2, 0.4, 0.5) == "below"
    assert interval_excludes(0.4, 0.6, 0.5) == ""
    assert interval_excludes(None, None, 0.5) == ""
    with pytest.raises(ValueError):
        interval_excludes(0.6, 0.4, 0.5)


def test_site_figures_against_scipy_and_sklearn(auditor, world):
    board = equity_board(user=auditor, filters=KpiFilters(), group="site")
    leeds = next(g for g in board.groups if g.group == "Leeds")
    assert (leeds.sensitivity.numerator, leeds.sensitivity.denominator) == (10, 16)
    ci = stats.binomtest(10, 16).proportion_ci(method="wilson")
    assert (leeds.sensitivity.low, leeds.sensitivity.high) == pytest.approx((100 * ci.low, 100 * ci.high))
    assert (leeds.specificity.numerator, leeds.specificity.denominator) == (24, 32)
    assert (leeds.recall_rate.numerator, leeds.recall_rate.denominator) == (20, 50)
    truth, scores = truth_and_scores()
    assert leeds.auc.value == pytest.approx(100 * roc_auc_score(truth, scores), abs=1e-6)
    assert leeds.auc.low < leeds.auc.value < leeds.auc.high
    assert board.overall.recall_rate.denominator == 55


def test_a_small_group_is_suppressed_not_flagged(auditor, world):
    york = next(
        g for g in equity_board(user=auditor, filters=KpiFilters(), group="site").groups if g.group == "York"
    )
    assert york.episodes == 5 and york.unknown == 5
    assert york.sensitivity.suppressed and york.specificity.suppressed and york.auc.suppressed
    assert york.recall_rate.suppressed and york.recall_rate.numerator == "<5"
    assert "sensitivity" not in york.flags and "auc" not in york.flags


def test_a_group_whose_interval_excludes_the_overall_value_is_flagged(auditor, admin_user, world):
    _density(world, admin_user)
    board = equity_board(
        user=auditor, filters=KpiFilters(campaign=world["campaign"].pk), group="attribute:breast_density"
    )
    groups = {g.group: g for g in board.groups}
    assert set(groups) == {"b", "d", "not recorded"}  # the participant's latest value counts
    dense = groups["d"]
    assert dense.recall_rate.numerator == 18 and dense.recall_rate.denominator == 18
    low, _ = stats.binomtest(18, 18).proportion_ci(method="wilson")
    assert dense.recall_rate.low == pytest.approx(100 * low)
    assert dense.flags["recall_rate"] == "above" and dense in board.flagged
    # 2 recalls among the 31 others: suppressed, so not flagged either (a flag would disclose it).
    assert groups["not recorded"].recall_rate.suppressed and "recall_rate" not in groups["not recorded"].flags
    overall = board.overall.recall_rate
    assert overall.numerator == 20 and overall.low <= overall.value <= overall.high
    assert AuditEvent.objects.filter(object_type="participant_attribute").count() == 20


def test_the_page_csv_and_api_agree(auditor_client, admin_user, world):
    _density(world, admin_user)
    params = {"group": "attribute:breast_density", "campaign": world["campaign"].pk}
    page = auditor_client.get(reverse("statistics:equity"), params)
    assert page.status_code == 200 and b"Breast density" in page.content
    chart = page.context["board"].charts[0]
    rows = list(
        csv.reader(io.StringIO(auditor_client.get(reverse("statistics:equity_csv"), params).content.decode()))
    )
    assert rows[0] == list(chart.columns) and rows[1:] == [[str(c) for c in row] for row in chart.rows]
    assert any(row[0] == "d" and "recall_rate above" in row[-1] for row in rows)
    body = auditor_client.get(reverse("statistics-equity"), params).json()
    dense = next(g for g in body["groups"] if g["group"] == "d")
    # 10 of 10 cancers recalled (72.2-100%) against the campaign's 62.5%: above too.
    assert dense["flags"] == {"recall_rate": "above", "sensitivity": "above"}
    assert dense["recall_rate"]["numerator"] == 18
    assert auditor_client.get(reverse("statistics-equity"), {"group": "attribute:nothing"}).status_code == 400


def test_age_round_vendor_and_model_breakdowns_cover_every_episode(auditor, world):
    for group in ("age_band", "round", "vendor", "model"):
        board = equity_board(user=auditor, filters=KpiFilters(), group=group)
        decided = [g.recall_rate.denominator for g in board.groups]
        assert sum(d for d in decided if isinstance(d, int)) <= 55
        assert np.isclose(board.overall.recall_rate.value, 100 * 20 / 55)


def test_radiologists_cannot_see_equity(radiologist_client, world):
    assert radiologist_client.get(reverse("statistics:equity")).status_code == 403
    assert radiologist_client.get(reverse("statistics-equity")).status_code == 403
