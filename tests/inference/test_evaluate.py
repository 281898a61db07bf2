"""`python -m inference.evaluate`: a registered model scored on a generated cohort; the locked cohort."""

import json
import shutil

import numpy as np
import pytest

from inference.evaluate import main as evaluate
from inference.registry import model_card_get
from tests.inference.conftest import SHIPPED_MODELS

TINY = ["--patients", "6", "--seed", "5", "--bootstrap", "100"]


@pytest.fixture
def registry(tmp_path):
    """A copy of the shipped breast model's versions, none locked yet (locking writes its card)."""
    shutil.copytree(SHIPPED_MODELS / "breast-demo", tmp_path / "breast-demo")
    for card in (tmp_path / "breast-demo").glob("*/model_card.json"):
        data = json.loads(card.read_text())
        data.pop("locked_test", None)
        card.write_text(json.dumps(data))
    return tmp_path


def test_evaluate_prints_auc_bands_localisation_calibration_and_operating_points(registry, tmp_path, capsys):
    out = tmp_path / "figures.json"
    assert evaluate(["--model", "breast-demo", "--root", str(registry), "--json", str(out), *TINY]) == 0
    figures = json.loads(out.read_text())
    assert figures["studies"] == 6 and figures["positives"] == 3
    assert 0 <= figures["auc_ci95"][0] <= figures["auc"] <= figures["auc_ci95"][1] <= 1
    assert figures["band_aucs"]["size"] and figures["band_aucs"]["contrast"]
    localisation = figures["localisation"]
    assert localisation["lesion_views"] == 6  # two views of each lesion's breast
    assert localisation["peak_inside_lesion"]["hits"] <= localisation["pointing_game"]["hits"]
    assert localisation["peak_inside_lesion_where_lit"]["total"] <= localisation["lesion_views"]
    by_kind = localisation["peak_inside_lesion_by_kind"]
    assert sum(entry["total"] for entry in by_kind.values()) == localisation["lesion_views"]
    assert sum(entry["hits"] for entry in by_kind.values()) == localisation["peak_inside_lesion"]["hits"]
    calibration = figures["calibration"]
    assert calibration["prevalence"] == 0.2 and calibration["card_calibrated_at"] == 0.5
    assert "ece" in calibration["card_scores"] and "ece" in calibration["prior_shifted_scores"]
    high = figures["operating_points"]["high"]
    assert high["sensitivity_ci95"][0] <= high["sensitivity"] <= high["sensitivity_ci95"][1]
    text = capsys.readouterr().out
    assert "AUC" in text and "peak inside lesion" in text and "ECE at prevalence 0.2" in text
    assert "where the map is lit" in text


def test_lock_records_the_figures_and_a_second_run_of_the_seed_is_refused_unless_forced(registry, capsys):
    arguments = ["--model", "breast-demo:2.0.0", "--root", str(registry), "--seed", "5", "--patients", "2"]
    assert evaluate([*arguments, "--lock"]) == 0
    locked = model_card_get(registry, "breast-demo", "2.0.0").locked_test
    assert locked["seed"] == 5 and locked["forced"] is False and locked["figures"]["studies"] == 2
    assert locked["used_at"] and "--lock" in locked["command"]
    assert evaluate(arguments) == 2  # the locked seed, even without --lock
    assert evaluate([*arguments[:4], "--seed", "6", "--patients", "2", "--lock"]) == 2  # locked once
    assert "refused" in capsys.readouterr().err
    assert evaluate([*arguments, "--lock", "--force"]) == 0
    rerun = model_card_get(registry, "breast-demo", "2.0.0").locked_test
    assert rerun["forced"] is True and rerun["earlier_runs"][0]["seed"] == 5
    assert rerun["earlier_runs"][0]["used_at"] == locked["used_at"]


def test_a_training_seed_is_warned_about(registry, capsys):
    assert (
        evaluate(["--model", "breast-demo", "--root", str(registry), "--patients", "2", "--seed", "1"]) == 0
    )
    assert "warning: seed 1" in capsys.readouterr().err


def test_a_lung_cohort_gets_top_slice_and_froc_figures(tmp_path):
    out = tmp_path / "lung.json"
    arguments = ["--model", "lung-demo", "--root", str(SHIPPED_MODELS), "--patients", "2", "--seed", "5"]
    assert evaluate([*arguments, "--bootstrap", "50", "--json", str(out)]) == 0
    localisation = json.loads(out.read_text())["localisation"]
    assert localisation["top_slice_on_nodule"]["total"] == 1
    froc = localisation["froc"]
    assert froc["nodules"] == 1 and froc["studies"] == 2
    assert all(froc[f"sensitivity_at_{rate}_fp"] in (0.0, 1.0) for rate in ("1", "2", "4"))
    assert np.isfinite(json.loads(out.read_text())["calibration"]["card_scores"]["ece"])
