"""Training: AUC, bootstrap, Wilson and temperature helpers against hand-computed values; a tiny real run."""

import json

import numpy as np
import pytest

from inference.calibration import temperature_fit
from inference.metrics import (
    bootstrap_auc_ci,
    roc_auc,
    sensitivity_specificity,
    threshold_for_sensitivity,
    threshold_for_specificity,
    wilson_interval,
)
from inference.predictor import Predictor
from inference.registry import CARD_FILE, model_card_get, model_load, registry_problems
from inference.train import main, split_by_participant
from inference.training.training_data import TrainingStudy


def test_auc_matches_hand_counted_pairs():
    # positive/negative pairs: (0.35 vs 0.1 yes, 0.35 vs 0.4 no, 0.8 vs both yes) -> 3 of 4
    assert roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert roc_auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.2, 0.9])) == pytest.approx(
        0.875
    )  # a tie: 1/2
    assert roc_auc(np.array([1, 1, 0]), np.array([0.2, 0.3, 0.9])) == 0.0
    assert np.isnan(roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_bootstrap_interval_is_repeatable_and_brackets_the_auc():
    rng = np.random.default_rng(0)
    labels = rng.random(200) < 0.4
    scores = labels + rng.normal(0, 1, 200)
    low, high = bootstrap_auc_ci(labels, scores, resamples=500, seed=3)
    assert (low, high) == bootstrap_auc_ci(labels, scores, resamples=500, seed=3)
    assert low < roc_auc(labels, scores) < high and high - low < 0.2
    assert bootstrap_auc_ci(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]), resamples=50) == (
        1.0,
        1.0,
    )


def test_wilson_interval_and_operating_points():
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    labels = np.array([0, 0, 0, 0, 1, 1])
    probabilities = np.array([0.1, 0.2, 0.3, 0.6, 0.5, 0.9])
    point = sensitivity_specificity(labels, probabilities, 0.5)
    assert point["sensitivity"] == 1.0 and point["specificity"] == 0.75
    assert threshold_for_sensitivity(labels, probabilities, 1.0) == 0.5
    assert threshold_for_specificity(labels, probabilities, 1.0) > 0.6
    assert (
        sensitivity_specificity(labels, probabilities, threshold_for_specificity(labels, probabilities, 1.0))[
            "specificity"
        ]
        == 1.0
    )


def test_temperature_fit_recovers_an_overconfident_models_temperature():
    rng = np.random.default_rng(1)
    true_logits = rng.normal(0, 2, 20000)
    labels = rng.random(20000) < 1 / (1 + np.exp(-true_logits))
    assert temperature_fit(labels, 3 * true_logits) == pytest.approx(3, rel=0.08)


def _study(participant, label):
    empty = np.zeros(0)
    return TrainingStudy(participant, participant, label, label, empty, empty, empty, (), "", "", "", "")


def test_split_is_by_participant_stratified_and_repeatable():
    studies = [_study(f"p{i:03d}", int(i % 3 == 0)) for i in range(200)]
    train, validation, test = split_by_participant(studies, seed=5)
    names = [{s.participant for s in split} for split in (train, validation, test)]
    assert not (names[0] & names[1] or names[0] & names[2] or names[1] & names[2])
    assert (len(train), len(validation), len(test)) == (140, 30, 30)
    assert abs(np.mean([s.label for s in test]) - np.mean([s.label for s in studies])) < 0.05
    assert [s.participant for s in split_by_participant(studies, seed=5)[2]] == [s.participant for s in test]


def test_a_tiny_training_run_writes_a_valid_card_and_a_loadable_model(tmp_path, breast_study_files):
    arguments = ["--programme", "breast", "--patients", "24", "--seed", "2", "--epochs", "1", "--out"]
    arguments += [str(tmp_path), "--rows", "64", "--cols", "52", "--widths", "4,8", "--bootstrap", "50"]
    assert main([*arguments, "--batch-size", "8", "--threads", "1"]) == 0
    assert registry_problems(tmp_path) == []
    card = model_card_get(tmp_path, "breast-demo")
    data = json.loads((card.folder / CARD_FILE).read_text())
    assert data["training_data"]["studies"] == {"train": 16, "validation": 4, "test": 4}
    compute = data["training_data"]["compute"]  # where and how long it trained
    assert compute["device"] == "cpu" and compute["threads"] == 1 and compute["training_minutes"] >= 0
    assert 0 <= data["metrics"]["training"]["epochs"][0]["validation_peak_inside"] <= 1
    assert set(data["metrics"]["operating_points"]) == {"high", "low"}
    assert {"auc", "auc_ci95", "brier_score"} <= set(data["metrics"])
    assert set(data["band_aucs"]) == {"size", "contrast", "kind"}
    assert card.calibration["temperature"] > 0 and card.thresholds["low"] <= card.thresholds["high"]
    result = Predictor(model_load(card, device="cpu")).predict_study(
        [(str(i), path) for i, path in enumerate(breast_study_files[2])]
    )
    assert result.images[0].heatmap.shape == (256, 208)
