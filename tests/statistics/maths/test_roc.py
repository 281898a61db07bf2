"""AUC with DeLong's interval and the ROC curve: by hand, by DeLong's pairwise definition, and
against scikit-learn."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score, roc_curve

from screening.statistics.maths.roc import delong_auc, midranks, roc_curve_points

# Three cancers and four without, one tie across the classes (0.4).
POSITIVE_SCORES = [0.9, 0.8, 0.4]
NEGATIVE_SCORES = [0.7, 0.4, 0.2, 0.1]
TRUTH = [1] * 3 + [0] * 4
SCORES = POSITIVE_SCORES + NEGATIVE_SCORES


def test_the_auc_and_its_delong_error_by_hand():
    # Pairs won: 0.9 -> 4, 0.8 -> 4, 0.4 -> 2 and a tie (1/2): 10.5 of 12.
    # Per cancer: 1, 1, 0.625 (sample variance 0.046875); per non-cancer: the share of cancers
    # above it: 2/3, 2.5/3, 1, 1 (sample variance 0.0763889 / 3).
    estimate = delong_auc(TRUTH, SCORES)
    variance = 0.046875 / 3 + (0.0763889 / 3) / 4
    assert estimate.auc == pytest.approx(10.5 / 12)
    assert estimate.standard_error == pytest.approx(np.sqrt(variance), abs=1e-6)
    assert estimate.low == pytest.approx(10.5 / 12 - 1.959964 * np.sqrt(variance), abs=1e-5)
    assert estimate.high == 1.0  # clipped
    assert (estimate.positives, estimate.negatives) == (3, 4)


def delong_by_pairs(truth, scores):
    """DeLong et al.'s structural components from every (cancer, non-cancer) pair: O(m n)."""
    truth, scores = np.asarray(truth, dtype=bool), np.asarray(scores, dtype=float)
    x, y = scores[truth], scores[~truth]
    kernel = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    v10, v01 = kernel.mean(axis=1), kernel.mean(axis=0)
    return kernel.mean(), np.sqrt(v10.var(ddof=1) / len(x) + v01.var(ddof=1) / len(y))


labelled = st.lists(st.tuples(st.booleans(), st.integers(0, 12)), min_size=4, max_size=150).filter(
    lambda pairs: sum(label for label, _ in pairs) >= 2 and sum(not label for label, _ in pairs) >= 2
)


@given(labelled)
def test_the_fast_midrank_algorithm_equals_the_pairwise_definition_and_scikit_learn(pairs):
    truth, scores = (np.array(column) for column in zip(*pairs, strict=True))
    scores = scores / 12.0
    estimate = delong_auc(truth, scores)
    auc, error = delong_by_pairs(truth, scores)
    assert estimate.auc == pytest.approx(auc) == pytest.approx(roc_auc_score(truth, scores))
    assert estimate.standard_error == pytest.approx(error, abs=1e-12)
    assert 0.0 <= estimate.low <= estimate.auc <= estimate.high <= 1.0


def test_the_delong_error_matches_the_spread_of_the_auc_over_repeated_samples():
    rng = np.random.default_rng(7)
    aucs, errors = [], []
    for _ in range(300):
        truth = np.r_[np.ones(60, bool), np.zeros(140, bool)]
        scores = rng.normal(size=200) + truth * 1.0
        estimate = delong_auc(truth, scores)
        aucs.append(estimate.auc)
        errors.append(estimate.standard_error)
    assert np.mean(errors) == pytest.approx(np.std(aucs, ddof=1), rel=0.15)


@given(st.lists(st.integers(0, 5), max_size=60))
def test_midranks_equal_scipys_average_ranks(values):
    values = np.array(values, dtype=float)
    assert midranks(values) == pytest.approx(rankdata(values, method="average"))


def test_without_both_classes_there_is_no_auc_and_with_one_of_a_class_no_interval():
    assert delong_auc([1, 1], [0.2, 0.3]).auc is None
    single = delong_auc([1, 0, 0], [0.9, 0.1, 0.2])
    assert (single.auc, single.standard_error, single.low) == (1.0, None, None)


@pytest.mark.parametrize("drop_intermediate", [True, False])
@given(pairs=labelled)
def test_the_roc_curve_equals_scikit_learns(drop_intermediate, pairs):
    truth, scores = (np.array(column) for column in zip(*pairs, strict=True))
    curve = roc_curve_points(truth, scores, drop_intermediate=drop_intermediate)
    fpr, tpr, thresholds = roc_curve(truth, scores, drop_intermediate=drop_intermediate)
    np.testing.assert_allclose(curve.false_positive_rate, fpr)
    np.testing.assert_allclose(curve.true_positive_rate, tpr)
    np.testing.assert_array_equal(curve.thresholds, thresholds)


def test_the_roc_curve_by_hand():
    curve = roc_curve_points(TRUTH, SCORES, drop_intermediate=False)
    assert curve.thresholds.tolist() == [np.inf, 0.9, 0.8, 0.7, 0.4, 0.2, 0.1]
    assert curve.true_positive_rate.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 2 / 3, 1, 1, 1])
    assert curve.false_positive_rate.tolist() == pytest.approx([0, 0, 0, 1 / 4, 2 / 4, 3 / 4, 1])


@pytest.mark.parametrize(
    ("truth", "scores", "message"),
    [
        ([1, 0], [0.5], "one truth and one score"),
        ([1, 0], [0.5, float("nan")], "missing"),
        ([1, 3], [0, 1], "0/1"),
    ],
)
def test_unreadable_scores_are_refused(truth, scores, message):
    with pytest.raises(ValueError, match=message):
        delong_auc(truth, scores)


def test_an_roc_curve_needs_both_classes():
    with pytest.raises(ValueError, match="one positive and one negative"):
        roc_curve_points([0, 0], [0.1, 0.2])
