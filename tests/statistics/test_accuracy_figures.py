"""Outcome and accuracy figures of the hand-worked world (accuracy_world), by hand and by sklearn."""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score, confusion_matrix, roc_auc_score, roc_curve

from screening.statistics.accuracy_counts import accuracy_counts
from screening.statistics.accuracy_figures import agreement_figures, auc_figure, decision_figures
from screening.statistics.accuracy_selectors import selection
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.maths.disclosure import disclosed
from screening.statistics.outcome_fact_selectors import outcome_counts
from screening.statistics.outcome_kpis import outcome_kpis_of_counts
from tests.statistics.accuracy_world import (
    FP_SCORES,
    IC_SCORES,
    SD_SCORES,
    TN_SCORES,
    accuracy_world,
    truth_and_scores,
)


@pytest.fixture
def world(db):
    return accuracy_world()


@pytest.fixture
def facts(world, auditor):
    return selection(user=auditor, filters=KpiFilters(campaign=world["campaign"].pk))


@pytest.fixture
def counts(facts):
    return accuracy_counts(facts)


def wilson(x: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(x, n).proportion_ci(method="wilson")
    return ci.low, ci.high


def test_the_outcome_kpis_by_hand(facts):
    counts = outcome_counts(facts)
    figures = {figure.measure: figure for figure in outcome_kpis_of_counts(counts, programme="breast")}
    assert counts.screened == 50
    detection = figures["cancer_detection_rate"].share
    assert (detection.numerator, detection.denominator, detection.value) == (10, 50, pytest.approx(200.0))
    low, high = wilson(10, 50)
    assert (detection.low, detection.high) == (pytest.approx(low * 1000), pytest.approx(high * 1000))
    assert figures["invasive_detection_rate"].share.value == pytest.approx(140.0)
    dcis = figures["dcis_detection_rate"].share  # 3 DCIS: under 5, suppressed
    assert dcis.suppressed and dcis.numerator == "<5" and dcis.value is None
    ppv = figures["ppv_of_recall"].share
    assert (ppv.numerator, ppv.denominator) == (10, 18) and ppv.value == pytest.approx(100 * 10 / 18)
    assert (
        figures["ppv_of_recall"].unknown == "<5"
    )  # the two recalls awaiting assessment: shown, not negatives
    assert figures["biopsy_rate"].share.value == pytest.approx(100 * 15 / 50)
    first_year = figures["interval_cancer_rate_0_12"].share
    assert (first_year.numerator, first_year.denominator, first_year.value) == (5, 50, pytest.approx(100.0))
    assert figures["interval_cancer_rate_12_24"].share.suppressed  # 1 cancer
    assert figures["interval_cancer_rate_24_36"].share.numerator == "<5"
    false_positive = figures["false_positive_rate"].share
    assert (false_positive.numerator, false_positive.denominator) == (8, 32)


def test_sensitivity_and_specificity_of_each_decision_by_hand_and_by_sklearn(counts):
    figures = {figure.key: figure for figure in decision_figures(counts)}
    expected = {  # (TP, FN, FP, TN)
        "first_read": (10, 6, 7, 25),
        "second_read": (9, 7, 8, 24),
        "final": (10, 6, 8, 24),
        "ai": (9, 7, 3, 29),
        "aided": (10, 6, 7, 25),
        "unaided": (9, 7, 8, 24),
    }
    for key, (tp, fn, fp, tn) in expected.items():
        figure = figures[key]
        shown = tuple(disclosed(count) for count in (tp, fn, fp, tn))  # "<5" for a small cell
        assert (
            figure.true_positive,
            figure.false_negative,
            figure.false_positive,
            figure.true_negative,
        ) == shown
        assert figure.sensitivity.value == pytest.approx(100 * tp / (tp + fn))
        assert figure.specificity.value == pytest.approx(100 * tn / (tn + fp))
        low, high = wilson(tp, tp + fn)
        assert (figure.sensitivity.low, figure.sensitivity.high) == (
            pytest.approx(100 * low),
            pytest.approx(100 * high),
        )
    assert figures["arbitration"].decisions == 6 and figures["arbitration"].sensitivity.suppressed
    assert figures["first_read"].unknown == "<5"  # the two recalls still unknown
    truth, scores = truth_and_scores()
    ai = np.asarray(scores) >= 0.5
    tn, fp, fn, tp = confusion_matrix(truth, ai).ravel()
    assert (tp, fn, fp, tn) == expected["ai"]


def test_the_auc_and_roc_curve_agree_with_sklearn(counts):
    truth, scores = truth_and_scores()
    auc = auc_figure(counts.histogram)
    assert auc.auc == pytest.approx(roc_auc_score(truth, scores))
    assert auc.low < auc.auc < auc.high
    assert (auc.positives, auc.negatives, auc.unknown) == (16, 32, "<5")
    fpr, tpr, _ = roc_curve(truth, scores)
    drawn = {(x, y) for x, y, _ in auc.curve}
    assert {(round(100 * x, 1), round(100 * y, 1)) for x, y in zip(fpr, tpr, strict=True)} == drawn


def test_agreement_of_readers_and_ai_by_sklearn(counts):
    figures = {figure.key: figure for figure in agreement_figures(counts)}
    first = [True] * 10 + [False] * 6 + [True] * 6 + [False] * 2 + [True] + [False] * 23 + [True, True]
    second = [True] * 8 + [False] * 2 + [True] + [False] * 5 + [True] * 8 + [False] * 24 + [True, True]
    assert figures["kappa_readers"].value == pytest.approx(cohen_kappa_score(first, second))
    assert figures["discordance"].value == pytest.approx(100 * 6 / 50)
    assert figures["arbitration_rate"].value == pytest.approx(100 * 6 / 50)
    scores = [*SD_SCORES, *IC_SCORES, *FP_SCORES, *TN_SCORES, 0.9, 0.1]
    ai = [score >= 0.5 for score in scores]
    assert figures["kappa_reader_ai"].value == pytest.approx(cohen_kappa_score(first + second, ai + ai))
    assert figures["kappa_reader_ai"].pairs == 100


def test_a_model_version_filter_keeps_only_the_episodes_it_scored(world, auditor):
    filters = KpiFilters(campaign=world["campaign"].pk)
    assert selection(user=auditor, filters=filters, model="m:1").count() == 50
    assert not selection(user=auditor, filters=filters, model="other:2").exists()
