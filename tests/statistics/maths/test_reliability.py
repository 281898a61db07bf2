"""Reliability diagram, ECE and prior-shift recalibration: by hand, against scikit-learn's
calibration_curve, and against Bayes' rule on known class distributions (scipy)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.calibration import calibration_curve

from screening.statistics.maths.reliability import (
    expected_calibration_error,
    prevalence_recalibrated,
    reliability_bins,
)

TRUTH = [0, 0, 1, 0, 1, 1]
PROBABILITIES = [0.05, 0.15, 0.15, 0.55, 0.65, 0.95]


def test_two_bins_and_the_expected_calibration_error_by_hand():
    diagram = reliability_bins(TRUTH, PROBABILITIES, bins=2)
    assert [(b.lower, b.upper, b.count) for b in diagram] == [(0.0, 0.5, 3), (0.5, 1.0, 3)]
    assert [b.mean_predicted for b in diagram] == pytest.approx([0.35 / 3, 2.15 / 3])
    assert [b.observed.value for b in diagram] == pytest.approx([1 / 3, 2 / 3])
    # Half the episodes in each bin: 0.5 * |1/3 - 0.35/3| + 0.5 * |2/3 - 2.15/3|.
    assert expected_calibration_error(diagram) == pytest.approx(0.5 * 0.65 / 3 + 0.5 * 0.15 / 3)


def test_a_probability_on_an_edge_falls_in_the_lower_bin_as_in_scikit_learn():
    diagram = reliability_bins([1, 0], [0.5, 0.0], bins=2)
    assert [(b.lower, b.count) for b in diagram] == [(0.0, 2)]


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@given(
    pairs=st.lists(st.tuples(st.booleans(), st.integers(0, 100)), min_size=2, max_size=200).filter(
        lambda pairs: len({label for label, _ in pairs}) == 2
    ),
    bins=st.integers(1, 12),
)
def test_the_diagram_agrees_with_scikit_learns_calibration_curve(strategy, pairs, bins):
    truth, scores = (np.array(column) for column in zip(*pairs, strict=True))
    probabilities = scores / 100.0
    diagram = reliability_bins(truth, probabilities, bins=bins, strategy=strategy)
    observed, predicted = calibration_curve(truth, probabilities, n_bins=bins, strategy=strategy)
    assert [b.observed.value for b in diagram] == pytest.approx(observed)
    assert [b.mean_predicted for b in diagram] == pytest.approx(predicted)
    assert sum(b.count for b in diagram) == len(truth)
    ece = sum(b.count * abs(b.observed.value - b.mean_predicted) for b in diagram) / len(truth)
    assert expected_calibration_error(diagram) == pytest.approx(ece)


def test_a_perfectly_calibrated_score_has_a_small_error():
    rng = np.random.default_rng(11)
    probabilities = rng.random(200_000)
    truth = rng.random(200_000) < probabilities
    assert expected_calibration_error(reliability_bins(truth, probabilities)) < 0.01


def test_no_episodes_no_error():
    assert reliability_bins([], [], strategy="quantile") == []
    assert expected_calibration_error([]) is None


def test_recalibration_to_the_prevalence_of_use_by_hand():
    # 0.2 at a model prevalence of 10%, used where 1% have cancer: 0.2 * 0.1 / (0.2 * 0.1 + 0.8 * 1.1).
    assert prevalence_recalibrated([0.2], model_prevalence=0.1, use_prevalence=0.01) == pytest.approx(
        [1 / 45]
    )
    assert prevalence_recalibrated([0.5], model_prevalence=0.5, use_prevalence=0.01) == pytest.approx([0.01])
    assert prevalence_recalibrated([0.0, 1.0], model_prevalence=0.3, use_prevalence=0.01).tolist() == [
        0.0,
        1.0,
    ]


def test_recalibration_equals_bayes_rule_with_the_class_distributions_held_fixed():
    # Scores ~ N(1, 1) with cancer, N(0, 1) without: the true posterior at each prevalence.
    scores = np.linspace(-3, 4, 50)

    def posterior(prevalence):
        cancer = prevalence * norm.pdf(scores, loc=1.0)
        return cancer / (cancer + (1 - prevalence) * norm.pdf(scores, loc=0.0))

    shifted = prevalence_recalibrated(posterior(0.25), model_prevalence=0.25, use_prevalence=0.008)
    np.testing.assert_allclose(shifted, posterior(0.008), rtol=1e-9)


@given(
    probability=st.floats(0.0, 1.0),
    model=st.floats(0.01, 0.99),
    use=st.floats(0.01, 0.99),
)
def test_recalibrating_there_and_back_returns_the_probability(probability, model, use):
    there = prevalence_recalibrated([probability], model_prevalence=model, use_prevalence=use)
    back = prevalence_recalibrated(there, model_prevalence=use, use_prevalence=model)
    assert back[0] == pytest.approx(probability, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: reliability_bins([1], [1.2]), "outside"),
        (lambda: reliability_bins([1, 0], [0.2]), "one truth per probability"),
        (lambda: reliability_bins([1], [0.2], bins=0), "at least one bin"),
        (lambda: reliability_bins([1], [0.2], strategy="kmeans"), "uniform"),
        (lambda: prevalence_recalibrated([0.2], model_prevalence=0.0, use_prevalence=0.1), "model's"),
        (lambda: prevalence_recalibrated([0.2], model_prevalence=0.2, use_prevalence=1.0), "use"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
