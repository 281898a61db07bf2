"""The paired (correlated) DeLong test of two scores' AUCs on the same episodes: by hand, against
the pairwise definition with scipy's normal distribution, and its behaviour at the edges."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from screening.statistics.maths.roc import delong_auc, delong_paired_difference

# Two cancers and two without; the first score wins 3 of 4 pairs, the second 2 of 4.
TRUTH = [1, 1, 0, 0]
FIRST = [0.9, 0.3, 0.5, 0.1]
SECOND = [0.6, 0.7, 0.5, 0.8]


def test_the_difference_and_its_error_by_hand():
    # Placements, first: cancers 1, 0.5; non-cancers 0.5, 1. Second: cancers 0.5, 0.5; non-cancers 1, 0.
    # Their differences: cancers -0.5, 0 (sample variance 0.125); non-cancers 0.5, -1 (1.125).
    estimate = delong_paired_difference(TRUTH, FIRST, SECOND)
    assert (estimate.first_auc, estimate.second_auc) == (0.75, 0.5)
    assert estimate.difference == pytest.approx(-0.25)
    assert estimate.standard_error == pytest.approx(np.sqrt(0.125 / 2 + 1.125 / 2))
    assert (estimate.low, estimate.high) == (-1.0, 1.0)  # -0.25 -+ 1.96 x 0.79, clipped
    assert estimate.p_value == pytest.approx(2 * norm.sf(0.25 / np.sqrt(0.625)))
    assert (estimate.positives, estimate.negatives) == (2, 2)


def paired_by_pairs(truth, first, second):
    """DeLong et al.'s structural components from every (cancer, non-cancer) pair, O(m n), and the
    z-test of the difference with scipy's normal distribution."""
    truth = np.asarray(truth, dtype=bool)
    components = []
    for scores in (np.asarray(first, dtype=float), np.asarray(second, dtype=float)):
        x, y = scores[truth], scores[~truth]
        kernel = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
        components.append((kernel.mean(), kernel.mean(axis=1), kernel.mean(axis=0)))
    (auc1, v10_1, v01_1), (auc2, v10_2, v01_2) = components
    s10, s01 = np.cov(v10_1, v10_2), np.cov(v01_1, v01_2)
    m, n = len(v10_1), len(v01_1)
    variance = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n
    error = np.sqrt(variance)
    p_value = 2 * norm.sf(abs(auc2 - auc1) / error) if error > 0 else None
    return auc2 - auc1, error, p_value


scored = st.lists(
    st.tuples(st.booleans(), st.integers(0, 12), st.integers(0, 12)), min_size=4, max_size=120
).filter(lambda rows: sum(r[0] for r in rows) >= 2 and sum(not r[0] for r in rows) >= 2)


@given(scored)
def test_the_midrank_computation_equals_the_pairwise_definition(rows):
    truth, first, second = (np.array(column) for column in zip(*rows, strict=True))
    estimate = delong_paired_difference(truth, first / 12, second / 12)
    difference, error, p_value = paired_by_pairs(truth, first, second)
    assert estimate.difference == pytest.approx(difference, abs=1e-12)
    assert estimate.difference == pytest.approx(roc_auc_score(truth, second) - roc_auc_score(truth, first))
    assert estimate.standard_error == pytest.approx(error, abs=1e-9)
    if error > 0:
        assert estimate.low == pytest.approx(max(-1.0, difference - norm.ppf(0.975) * error), abs=1e-9)
    if p_value is not None and estimate.p_value is not None:
        assert estimate.p_value == pytest.approx(p_value, rel=1e-6, abs=1e-12)


def test_each_auc_is_the_unpaired_estimate():
    rng = np.random.default_rng(3)
    truth = rng.random(300) < 0.2
    first, second = truth + rng.normal(0, 1, 300), truth + rng.normal(0, 0.8, 300)
    estimate = delong_paired_difference(truth, first, second)
    assert estimate.first_auc == pytest.approx(delong_auc(truth, first).auc)
    assert estimate.second_auc == pytest.approx(delong_auc(truth, second).auc)
    # Correlated scores: the paired error is smaller than the unpaired errors combined.
    shared = rng.normal(0, 1, 300)
    a, b = truth + shared + rng.normal(0, 0.3, 300), truth + shared + rng.normal(0, 0.3, 300)
    paired = delong_paired_difference(truth, a, b).standard_error
    unpaired = np.hypot(delong_auc(truth, a).standard_error, delong_auc(truth, b).standard_error)
    assert paired < unpaired / 2


def test_a_recalibration_changes_no_ranking_and_so_no_auc():
    rng = np.random.default_rng(5)
    truth = rng.random(200) < 0.3
    logits = truth * 1.5 + rng.normal(0, 1, 200)
    estimate = delong_paired_difference(truth, 1 / (1 + np.exp(-logits)), 1 / (1 + np.exp(-logits / 1.4)))
    assert estimate.difference == pytest.approx(0.0, abs=1e-12)
    assert estimate.standard_error == pytest.approx(0.0, abs=1e-9)
    assert estimate.low == pytest.approx(0.0, abs=1e-6)


def test_without_both_classes_nothing_is_estimated():
    estimate = delong_paired_difference([1, 1, 1], [0.2, 0.3, 0.4], [0.1, 0.5, 0.6])
    assert estimate.difference is None and estimate.standard_error is None
    one_each = delong_paired_difference([1, 0], [0.9, 0.1], [0.2, 0.8])
    assert one_each.difference == -1.0 and one_each.standard_error is None


def test_scores_of_different_lengths_are_refused():
    with pytest.raises(ValueError):
        delong_paired_difference([1, 0, 1], [0.9, 0.1, 0.3], [0.2, 0.8])
