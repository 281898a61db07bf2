"""Lung training options: the stack depth and top slices reach the card; one cache serves every depth."""

import json

import numpy as np
import pytest
import torch

from inference import train
from inference.registry import CARD_FILE, model_card_get, model_load, registry_problems
from inference.training.training_data import TrainingStudy, cache_spec

SLICES, SIDE = 10, 32


def _lung_study(index: int) -> TrainingStudy:
    """A small CT volume; lesion studies hold a bright disk on slices 4-6."""
    label = index % 2
    rng = np.random.default_rng(index)
    volume = rng.random((SLICES, SIDE, SIDE)).astype(np.float16) * 0.3
    image_labels = np.zeros(SLICES, dtype=np.int64)
    disks = np.full((SLICES, 3), -1.0, dtype=np.float32)
    if label:
        image_labels[4:7] = 1
        disks[4:7] = (16, 16, 3)
        volume[4:7, 13:19, 13:19] = 1
    return TrainingStudy(
        f"A{index:03d}",
        f"P{index:03d}",
        label,
        label,
        image_labels,
        volume,
        disks,
        ("",) * SLICES,
        "medium" if label else "",
        "obvious" if label else "",
        "solid_nodule" if label else "",
        "",
    )


@pytest.fixture
def prepared_cohorts(monkeypatch):
    """Stands in for cohort preparation (minutes of phantom rendering); records each call."""
    calls = []

    def cohort_generate(programme, patients, seed, prevalence, spec, workers=1):
        calls.append(spec)
        return [_lung_study(i) for i in range(patients)]

    monkeypatch.setattr(train, "cohort_generate", cohort_generate)
    return calls


def _arguments(out, half_depth: int) -> list[str]:
    arguments = ["--programme", "lung", "--patients", "24", "--seed", "2", "--epochs", "1", "--out", str(out)]
    arguments += ["--rows", str(SIDE), "--cols", str(SIDE), "--widths", "4,8", "--bootstrap", "50"]
    return [*arguments, "--batch-size", "8", "--threads", "1", "--half-depth", str(half_depth)]


def test_half_depth_two_trains_five_slice_stacks_and_writes_them_to_the_card(tmp_path, prepared_cohorts):
    assert train.main([*_arguments(tmp_path, 2), "--top-slices", "2", "--top-fraction", "0.001"]) == 0
    assert registry_problems(tmp_path) == []
    card = model_card_get(tmp_path, "lung-demo")
    data = json.loads((card.folder / CARD_FILE).read_text())
    assert data["input_spec"]["half_depth"] == 2 and data["input_spec"]["channels"] == 5
    assert data["architecture_config"]["in_channels"] == 5
    assert data["aggregation"]["top_slices"] == 2
    assert data["architecture_config"]["top_fraction"] == 0.001  # the image logit is the map's best cell
    network = model_load(card, device="cpu").network
    logits, _ = network(torch.rand(2, 5, SIDE, SIDE))
    assert logits.shape == (2,)
    # On a 16 x 16 map the default share would average the top 5 cells; this model takes the best.
    logits, cams = network(torch.rand(2, 5, 2 * SIDE, 2 * SIDE))
    assert cams.shape[-2:] == (16, 16)
    torch.testing.assert_close(logits, cams.flatten(1).max(dim=1).values)


def test_a_run_on_crop_windows_trains_and_its_model_scores_whole_slices(tmp_path, prepared_cohorts):
    arguments = [*_arguments(tmp_path, 2), "--crop", "16", "--negatives-per-positive", "3"]
    assert train.main([*arguments, "--epochs", "2"]) == 0
    card = model_card_get(tmp_path, "lung-demo")
    assert "--crop 16" in json.loads((card.folder / CARD_FILE).read_text())["training_data"]["command"]
    _, cams = model_load(card, device="cpu").network(torch.rand(1, 5, SIDE, SIDE))
    assert cams.shape[-2:] == (8, 8)


def test_lung_runs_of_any_half_depth_share_one_prepared_cohort(tmp_path, prepared_cohorts):
    cache = ["--cache", str(tmp_path / "cache")]
    assert train.main([*_arguments(tmp_path / "one", 1), *cache]) == 0
    assert train.main([*_arguments(tmp_path / "two", 2), *cache]) == 0
    assert len(prepared_cohorts) == 1
    assert len(list((tmp_path / "cache").glob("lung-*.npz"))) == 1


def test_the_cache_key_ignores_ct_stack_depth_only():
    ct = {"kind": "ct_slice_stack", "rows": 128, "cols": 128, "channels": 5, "half_depth": 2}
    assert cache_spec(ct) == {**ct, "channels": 3, "half_depth": 1}
    assert cache_spec({**ct, "rows": 256}) != cache_spec(ct)
    breast = {"kind": "mammography_view", "rows": 256, "cols": 208, "channels": 2}
    assert cache_spec(breast) == breast
