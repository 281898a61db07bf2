"""Sensitivity, specificity, PPV and the operating point: by hand and against scikit-learn."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix, precision_score, recall_score, roc_curve

from screening.statistics.maths.diagnostic_accuracy import (
    DiagnosticCounts,
    diagnostic_accuracy,
    diagnostic_counts,
    operating_point,
    threshold_decisions,
)
from screening.statistics.maths.proportions import wilson_interval

# Ten episodes: four cancers, of which three recalled; six without, of which two recalled.
TRUTH = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
RECALLED = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]


def test_the_two_by_two_table_and_its_figures_by_hand():
    accuracy = operating_point(TRUTH, RECALLED)
    assert accuracy.counts == DiagnosticCounts(
        true_positive=3, false_positive=2, false_negative=1, true_negative=4
    )
    assert accuracy.sensitivity.value == pytest.approx(3 / 4)
    assert (accuracy.sensitivity.low, accuracy.sensitivity.high) == pytest.approx(wilson_interval(3, 4))
    assert accuracy.specificity.value == pytest.approx(4 / 6)
    assert accuracy.positive_predictive_value.value == pytest.approx(3 / 5)
    assert accuracy.negative_predictive_value.value == pytest.approx(4 / 5)
    assert accuracy.positive_rate.value == pytest.approx(5 / 10)
    assert accuracy.false_positive_rate == pytest.approx(2 / 6)


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=200))
def test_the_figures_agree_with_scikit_learn(pairs):
    truth, decided = (np.array(column) for column in zip(*pairs, strict=True))
    counts = diagnostic_counts(truth, decided)
    tn, fp, fn, tp = confusion_matrix(truth, decided, labels=[False, True]).ravel()
    assert (counts.true_positive, counts.false_positive, counts.false_negative, counts.true_negative) == (
        tp,
        fp,
        fn,
        tn,
    )
    accuracy = diagnostic_accuracy(counts)
    if truth.any():
        assert accuracy.sensitivity.value == pytest.approx(recall_score(truth, decided))
    else:
        assert accuracy.sensitivity.value is None
    if decided.any():
        assert accuracy.positive_predictive_value.value == pytest.approx(precision_score(truth, decided))
    if (~truth).any():
        assert accuracy.specificity.value == pytest.approx(recall_score(~truth, ~decided))


def test_the_ai_at_a_threshold_sits_on_scikit_learns_roc_curve():
    rng = np.random.default_rng(3)
    truth = rng.random(300) < 0.2
    scores = np.round(rng.random(300) * 0.6 + truth * 0.3, 2)
    accuracy = operating_point(truth, threshold_decisions(scores, 0.5))
    fpr, tpr, thresholds = roc_curve(truth, scores, drop_intermediate=False)
    point = np.flatnonzero(thresholds == 0.5)
    point = point[0] if point.size else np.flatnonzero(thresholds >= 0.5)[-1]
    assert (accuracy.false_positive_rate, accuracy.sensitivity.value) == pytest.approx(
        (fpr[point], tpr[point])
    )


def test_a_score_at_the_threshold_is_positive_and_a_missing_one_is_refused():
    assert threshold_decisions([0.49, 0.5, 0.51], 0.5).tolist() == [False, True, True]
    with pytest.raises(ValueError, match="missing"):
        threshold_decisions([0.2, float("nan")], 0.5)


@pytest.mark.parametrize(
    ("truth", "decided", "message"),
    [([1, 0], [1], "2 truth values but 1 decision"), ([1, 2], [1, 0], "0/1"), ([[1, 0]], [[1, 0]], "flat")],
)
def test_mismatched_or_unreadable_decisions_are_refused(truth, decided, message):
    with pytest.raises(ValueError, match=message):
        operating_point(truth, decided)


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="count"):
        DiagnosticCounts(true_positive=-1, false_positive=0, false_negative=0, true_negative=0)
