"""The model registry: scan, problems, checksum refusal, TorchScript and state dicts, site modules."""

import json
import shutil
import sys
import textwrap

import pytest
import torch

from inference.architectures import ARCHITECTURE_MODULES_ENV, ARCHITECTURES, MammographyViewNet
from inference.registry import (
    CARD_FILE,
    ModelRegistryError,
    WeightsChecksumMismatch,
    model_card_get,
    model_load,
    registry_problems,
    registry_scan,
    sha256_file,
)
from tests.inference.conftest import SHIPPED_MODELS

SMALL = {"in_channels": 1, "widths": [4, 8]}
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")


def _card(name, version, weights_file, weights_format="state_dict", architecture="mg_view_camnet", **extra):
    return {
        "name": name,
        "version": version,
        "programme": "breast",
        "architecture": architecture,
        "architecture_config": SMALL,
        "weights_format": weights_format,
        "weights_file": weights_file,
        "weights_sha256": "",
        "input_spec": {"kind": "mammography_view", "rows": 64, "cols": 52, "channels": 1},
        "intended_use": "tests",
        "training_data": {},
        "metrics": {"auc": 0.5, "auc_ci95": [0.4, 0.6]},
        "calibration": {"method": "temperature", "temperature": 1.5},
        "thresholds": {"high": 0.7, "low": 0.2},
        "band_aucs": {},
        **extra,
    }


def _model_folder(root, name, version, *, weights_format="state_dict", architecture="mg_view_camnet"):
    folder = root / name / version
    folder.mkdir(parents=True)
    network = MammographyViewNet(in_channels=1, widths=(4, 8)).eval()
    if weights_format == "torchscript":
        torch.jit.script(network).save(str(folder / "model.ts"))
        weights = "model.ts"
    else:
        torch.save(network.state_dict(), folder / "weights.pt")
        weights = "weights.pt"
    card = _card(name, version, weights, weights_format, architecture)
    card["weights_sha256"] = sha256_file(folder / weights)
    (folder / CARD_FILE).write_text(json.dumps(card))
    return folder


def test_scan_lists_valid_models_by_name_and_natural_version_order(tmp_path):
    for version in ("1.10.0", "1.9.0", "1.2.0"):
        _model_folder(tmp_path, "site-mg", version)
    _model_folder(tmp_path, "another", "1")
    cards = registry_scan(tmp_path)
    assert [card.key for card in cards] == ["another:1", "site-mg:1.2.0", "site-mg:1.9.0", "site-mg:1.10.0"]
    assert model_card_get(tmp_path, "site-mg").version == "1.10.0"
    assert model_card_get(tmp_path, "site-mg", "1.2.0").thresholds == {"high": 0.7, "low": 0.2}
    assert cards[0].to_dict()["folder"] == str(tmp_path / "another" / "1")
    with pytest.raises(ModelRegistryError):
        model_card_get(tmp_path, "site-mg", "7")
    with pytest.raises(ModelRegistryError):
        model_card_get(tmp_path, "nothing")


def test_problems_name_each_invalid_folder_with_the_reason(tmp_path):
    _model_folder(tmp_path, "good", "1")
    (tmp_path / "empty" / "1").mkdir(parents=True)
    broken = _model_folder(tmp_path, "badjson", "1")
    (broken / CARD_FILE).write_text("{not json")
    unknown = _model_folder(tmp_path, "unknown-arch", "1")
    card = json.loads((unknown / CARD_FILE).read_text())
    (unknown / CARD_FILE).write_text(json.dumps({**card, "architecture": "no_such_net"}))
    misnamed = _model_folder(tmp_path, "misnamed", "2")
    card = json.loads((misnamed / CARD_FILE).read_text())
    (misnamed / CARD_FILE).write_text(json.dumps({**card, "version": "3", "thresholds": {"high": 0.5}}))
    problems = {folder.parent.name: why for folder, why in registry_problems(tmp_path)}
    assert set(problems) == {"empty", "badjson", "unknown-arch", "misnamed"}
    assert "unreadable" in problems["empty"] and "unreadable" in problems["badjson"]
    assert "not registered" in problems["unknown-arch"]
    assert "folder is misnamed/2" in problems["misnamed"]
    assert [card.name for card in registry_scan(tmp_path)] == ["good"]


def test_loading_refuses_weights_that_do_not_match_the_checksum(tmp_path):
    folder = _model_folder(tmp_path, "tampered", "1")
    card = model_card_get(tmp_path, "tampered")
    with (folder / "weights.pt").open("ab") as weights:
        weights.write(b"\0")
    with pytest.raises(WeightsChecksumMismatch, match="does not match"):
        model_load(card, device="cpu")


@pytest.mark.parametrize("weights_format", ["state_dict", "torchscript"])
def test_state_dict_and_torchscript_models_load_and_give_logits_and_maps(tmp_path, weights_format):
    _model_folder(tmp_path, "site", "1", weights_format=weights_format)
    loaded = model_load(model_card_get(tmp_path, "site"), device="cpu")
    assert loaded.device == "cpu" and loaded.card.weights_format == weights_format
    logits, cam = loaded.network(torch.zeros(2, 1, 64, 52))
    assert logits.shape == (2,) and cam.shape == (2, 16, 13)
    assert not loaded.network.training


def test_a_site_architecture_module_named_in_the_environment_is_registered(tmp_path, monkeypatch):
    package = tmp_path / "site_code"
    package.mkdir()
    (package / "site_architectures.py").write_text(
        textwrap.dedent(
            """
            import torch
            from inference.architectures import CamNet, architecture_register

            @architecture_register("site_poison_net")
            class PoisonNet(CamNet):
                def forward(self, images):
                    raise RuntimeError("poison")
            """
        )
    )
    monkeypatch.syspath_prepend(str(package))
    monkeypatch.setenv(ARCHITECTURE_MODULES_ENV, "site_architectures, ")
    folder = tmp_path / "models"
    _model_folder(folder, "poison", "1")
    card_path = folder / "poison" / "1" / CARD_FILE
    card_path.write_text(json.dumps({**json.loads(card_path.read_text()), "architecture": "site_poison_net"}))
    try:
        loaded = model_load(model_card_get(folder, "poison"), device="cpu")
        assert type(loaded.network).__name__ == "PoisonNet"
        with pytest.raises(RuntimeError, match="poison"):
            loaded.network(torch.zeros(1, 1, 64, 52))
    finally:
        ARCHITECTURES.pop("site_poison_net", None)
        sys.modules.pop("site_architectures", None)


def test_a_missing_site_module_is_reported_not_crashing_the_scan(tmp_path, monkeypatch):
    _model_folder(tmp_path, "plain", "1")
    monkeypatch.setenv(ARCHITECTURE_MODULES_ENV, "no_such_module_anywhere")
    problems = registry_problems(tmp_path)
    assert len(problems) == 1 and "INFERENCE_ARCHITECTURE_MODULES" in problems[0][1]


def test_the_shipped_demo_models_are_valid_and_load(tmp_path):
    cards = registry_scan(SHIPPED_MODELS)  # breast-demo-recal shares breast-demo's weights file
    assert {card.programme for card in cards} == {"breast", "lung"}
    assert registry_problems(SHIPPED_MODELS) == []
    for card in cards:
        assert 0 < card.thresholds["low"] <= card.thresholds["high"] < 1
        assert card.metrics["auc_ci95"][0] <= card.metrics["auc"] <= card.metrics["auc_ci95"][1]
        assert set(card.band_aucs) >= {"size", "contrast"}
        assert card.weights_path.stat().st_size < 5_000_000
        model_load(card, device="cpu")
    copy = tmp_path / "breast-demo"
    shutil.copytree(SHIPPED_MODELS / "breast-demo", copy)
    assert registry_scan(tmp_path)[0].name == "breast-demo"
