"""The evaluation's maths: ECE at a prevalence, prior shift, FROC, peak positions."""

import numpy as np
import pytest

from inference.evaluation.localisation import froc_sensitivities, peak_position
from inference.metrics import expected_calibration_error, prevalence_weights
from inference.study_scoring import prior_shifted


def test_ece_is_the_weighted_gap_between_observed_and_predicted_per_bin():
    labels = np.array([0, 0, 1, 1])
    probabilities = np.array([0.05, 0.15, 0.85, 0.95])
    # bins 0, 1, 8, 9: gaps 0.05, 0.15, 0.15, 0.05
    assert expected_calibration_error(labels, probabilities)["ece"] == pytest.approx(0.1)


def test_prevalence_weights_make_positives_count_as_the_stated_share():
    labels = np.array([1, 1, 0, 0])
    weights = prevalence_weights(labels, 0.2)
    assert weights[labels == 1].sum() / weights.sum() == pytest.approx(0.2)


def test_prior_shift_is_bayes_rule_at_the_new_prior_and_keeps_the_order():
    # A likelihood ratio of 3 is 0.75 at a prior of 0.5 and 3 * 0.25 / (3 * 0.25 + 0.75) = 0.5 at 0.2.
    assert prior_shifted(0.75, calibrated_at=0.5, prevalence=0.2) == pytest.approx(0.4286, abs=1e-4)
    scores = np.linspace(0, 1, 101)
    shifted = prior_shifted(scores, calibrated_at=0.5, prevalence=0.2)
    assert np.all(np.diff(shifted) > 0) and shifted[0] == 0 and shifted[-1] == 1
    assert prior_shifted(0.3, calibrated_at=0.2, prevalence=0.2) == pytest.approx(0.3)
    with pytest.raises(ValueError):
        prior_shifted(0.3, calibrated_at=0.5, prevalence=0)


def test_prior_shift_calibrates_scores_honest_at_one_prevalence_for_another():
    rng = np.random.default_rng(3)
    labels = rng.random(20000) < 0.2
    # Scores calibrated at 0.5: sigmoid of the log-likelihood ratio of two unit-variance normals.
    values = rng.normal(np.where(labels, 1.5, 0.0), 1.0)
    at_half = 1 / (1 + np.exp(-(1.5 * values - 1.125)))
    before = expected_calibration_error(labels, at_half)["ece"]
    after = expected_calibration_error(labels, prior_shifted(at_half, calibrated_at=0.5, prevalence=0.2))[
        "ece"
    ]
    assert before > 0.1 and after < 0.02


def test_froc_counts_nodules_found_above_the_score_that_allows_that_many_false_positives():
    nodules = [0.9, 0.5, None, 0.2]
    false_positives = [0.8, 0.6, 0.4, 0.3, 0.1, 0.05]  # two studies: 1/study allows 2, 2 allow 4
    froc = froc_sensitivities(nodules, false_positives, studies=2)
    assert froc["sensitivity_at_1_fp"] == 0.5  # 0.8 and 0.6 allowed: above 0.4, 0.9 and 0.5
    assert froc["sensitivity_at_2_fp"] == 0.75  # four allowed: above 0.1, 0.2 as well
    assert froc["sensitivity_at_4_fp"] == 0.75  # every false positive allowed; one nodule never found


def test_the_peak_is_given_in_original_pixels():
    heatmap = np.zeros((4, 4))
    heatmap[1, 2] = 1.0
    row, col, value = peak_position(heatmap, (400, 200))
    assert (row, col, value) == (149.5, 124.5, 1.0)


def test_a_saturated_peak_is_the_centre_of_its_plateau():
    heatmap = np.zeros((10, 10))
    heatmap[2:5, 6:9] = 1.0  # a confident lesion: sigmoid saturates to 1.0 over several pixels
    heatmap[8, 0] = 1.0  # another plateau, found later in scan order
    row, col, value = peak_position(heatmap, (10, 10))
    assert (row, col, value) == (3.0, 7.0, 1.0)
