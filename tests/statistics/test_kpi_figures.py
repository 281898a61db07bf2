"""KPI figures from counts: Wilson intervals, the standards' red/amber/green, disclosure control."""

from collections import Counter
from datetime import date, timedelta

import pytest

from screening.statistics.backlog_selectors import backlog_summary
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.kpi_selectors import KPI_BY_MEASURE, kpi_figure, kpi_overview
from screening.statistics.maths.proportions import wilson_interval
from tests.statistics.kpi_world import kpi_world

RECALL = KPI_BY_MEASURE["recall_rate"]


def _rags(figure):
    return {judgement.code: judgement.rag for judgement in figure.standards}


def test_recall_rate_is_judged_against_each_standard_of_its_round():
    figure = kpi_figure(
        RECALL, Counter(recalled=6, with_result=100), programme="breast", screening_round="first"
    )
    low, high = wilson_interval(6, 100)
    assert figure.share.value == pytest.approx(6.0)
    assert (figure.share.low, figure.share.high) == (pytest.approx(100 * low), pytest.approx(100 * high))
    # NHS BSP first round: < 10% acceptable, < 7% achievable; European: < 7%, < 5%.
    assert _rags(figure) == {"nhs_bsp.recall_rate.first": "green", "european.recall_rate.first": "amber"}
    later = kpi_figure(
        RECALL, Counter(recalled=6, with_result=100), programme="breast", screening_round="subsequent"
    )
    assert _rags(later) == {
        "nhs_bsp.recall_rate.subsequent": "amber",
        "european.recall_rate.subsequent": "red",
    }


def test_no_round_no_recall_standard_and_no_programme_no_rag():
    assert kpi_figure(RECALL, Counter(recalled=6, with_result=100), programme="breast").standards == ()
    technical = kpi_figure(
        KPI_BY_MEASURE["technical_recall_rate"], Counter(technical_recalls=25, screened=1000)
    )
    assert technical.standards == ()
    judged = kpi_figure(
        KPI_BY_MEASURE["technical_recall_rate"],
        Counter(technical_recalls=25, screened=1000),
        programme="breast",
    )
    assert _rags(judged) == {
        "nhs_bsp.technical_recall_rate": "amber",
        "european.technical_recall_rate": "amber",
    }


@pytest.mark.parametrize(("attended", "rag"), [(69, "red"), (70, "amber"), (79, "amber"), (80, "green")])
def test_uptake_is_judged_against_the_nhs_bsp_uptake_levels_in_either_round(attended, rag):
    counts = Counter(attended=attended, invited=100)
    figure = kpi_figure(KPI_BY_MEASURE["uptake"], counts, programme="breast")
    # NHS BSP: >= 70% acceptable, >= 80% achievable; the same standard for both rounds.
    assert _rags(figure) == {"nhs_bsp.uptake": rag}
    first = kpi_figure(KPI_BY_MEASURE["uptake"], counts, programme="breast", screening_round="first")
    assert _rags(first) == {"nhs_bsp.uptake": rag}
    assert kpi_figure(KPI_BY_MEASURE["uptake"], counts).standards == ()  # no programme, no standard


def test_a_small_numerator_suppresses_the_rate_and_its_rag():
    figure = kpi_figure(
        RECALL, Counter(recalled=4, with_result=100), programme="breast", screening_round="first"
    )
    assert figure.share.suppressed and figure.share.numerator == "<5" and figure.share.denominator == 100
    assert (figure.share.value, figure.share.low, figure.share.high) == (None, None, None)
    assert set(_rags(figure).values()) == {None}
    assert kpi_figure(KPI_BY_MEASURE["invitations"], Counter(invited=3)).count == "<5"
    assert kpi_figure(KPI_BY_MEASURE["invitations"], Counter(invited=5)).count == 5


def test_overview_of_the_hand_worked_campaign(auditor, db):
    world = kpi_world()
    overall, first, subsequent = kpi_overview(
        user=auditor, filters=KpiFilters(programme="breast", campaign=world["leeds"].pk)
    )
    uptake = overall.figure("uptake").share
    assert (uptake.numerator, uptake.denominator, uptake.value) == (8, 10, pytest.approx(80.0))
    assert overall.figure("recall_rate").share.suppressed  # 2 recalls
    within = overall.figure("result_within_standard").share
    assert (within.numerator, within.denominator, within.value) == (7, 8, pytest.approx(87.5))
    assert overall.figure("invitations").count == 10 and overall.figure("backlog").count == "<5"
    assert (first.label, subsequent.label) == ("First round", "Subsequent rounds")
    assert first.figure("uptake").share.suppressed  # 4 of 6


def test_backlog_ages_and_forecast(auditor, db):
    world = kpi_world()
    today = world["today"]
    backlog = backlog_summary(user=auditor, filters=KpiFilters(campaign=world["york"].pk), today=today)
    # Waiting: imaged 2, 5 and 16 days ago; 3 results in the last 14 days (1, 2, 3 days ago).
    assert backlog.waiting == "<5" and backlog.oldest_days is None  # too few to show the oldest
    assert backlog.by_age == (("0-7 days", "<5"), ("8-14 days", "<5"), ("over 14 days", "<5"))
    assert backlog.already_breached == "<5"
    assert backlog.mean_daily_results is None  # 3 results: too few
    assert [day for day, _ in backlog.daily_throughput][-1] == today - timedelta(days=1)
    assert len(backlog.breaches_by_day) == 16 and backlog.today == today
    assert isinstance(backlog.today, date)


def test_backlog_inputs_by_hand(auditor, db):
    from screening.statistics.backlog_selectors import ages_from_days, daily_results
    from screening.statistics.kpi_counts import waiting_by_day

    world = kpi_world()
    today, filters = world["today"], KpiFilters(campaign=world["york"].pk)
    ages = ages_from_days(waiting_by_day(user=auditor, filters=filters), today)
    assert sorted(ages.tolist()) == [2.0, 5.0, 16.0]
    per_day = daily_results(user=auditor, filters=filters, today=today)
    assert [count for _, count in per_day] == [0] * 11 + [1, 1, 1]
