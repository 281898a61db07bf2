"""Inference-job fixtures: a model registry in tmp_path, messages captured instead of sent."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from screening.inference_jobs import job_dispatch

MODEL_NAME, MODEL_VERSION = "test-breast", "1.0.0"


def model_card_write(root: Path, *, name: str, version: str, programme: str, architecture: str) -> Path:
    """A registry entry whose card is valid (weights are only read when a worker loads the model)."""
    folder = root / name / version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "weights.pt").write_bytes(b"not loaded in these tests")
    card = {
        "name": name,
        "version": version,
        "programme": programme,
        "architecture": architecture,
        "weights_format": "state_dict",
        "weights_file": "weights.pt",
        "weights_sha256": "0" * 64,
        "input_spec": {},
        "intended_use": "tests",
        "training_data": {},
        "metrics": {"auc": 0.5},
        "calibration": {"temperature": 1.0},
        "thresholds": {"high": 0.5, "low": 0.1},
        "band_aucs": {},
    }
    (folder / "model_card.json").write_text(json.dumps(card))
    return folder


@pytest.fixture
def model_root(tmp_path, settings):
    pytest.importorskip("inference.registry")
    root = tmp_path / "models"
    model_card_write(
        root, name=MODEL_NAME, version=MODEL_VERSION, programme="breast", architecture="mg_view_camnet"
    )
    model_card_write(root, name="test-lung", version="2.0", programme="lung", architecture="ct_slice_camnet")
    settings.INFERENCE_MODEL_ROOT = root
    return root


class Sent(list):
    """The job attempts the services would send, in order (one dict per job, with its message's
    model and countdown); `messages` holds the messages themselves."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict] = []

    def record(self, message: dict, countdown: float) -> None:
        self.messages.append({**message, "countdown": countdown})
        model = {"model_name": message["model_name"], "model_version": message["model_version"]}
        self.extend({**job, **model, "countdown": countdown} for job in message["jobs"])


@pytest.fixture
def sent(monkeypatch):
    """Attempts the services would send to the inference queue, in order."""
    captured = Sent()
    monkeypatch.setattr(job_dispatch, "_send", captured.record)
    return captured


HEATMAP_SHAPE = (32, 26)


def heatmap_b64(value: int = 200, shape: tuple[int, int] = HEATMAP_SHAPE) -> str:
    """A heat map as a worker sends it: 8-bit levels, base64."""
    return base64.b64encode(np.full(shape, value, dtype=np.uint8).tobytes()).decode("ascii")


def prediction_for(message: dict, score: float = 0.7) -> dict:
    """What a worker would send back for a dispatched attempt."""
    return {
        "model_name": message["model_name"],
        "model_version": message["model_version"],
        "programme": "breast",
        "study_score": score,
        "side_scores": {"R": score, "L": 0.05},
        "device": "cpu",
        "timings_ms": {"load": 1.0, "preprocess": 2.0, "inference": 3.0, "total": 6.0},
        "images": [
            {
                "reference": ref,
                "score": score,
                "side": "R",
                "view": "CC",
                "slice_index": None,
                "heatmap": heatmap_b64(),
                "heatmap_shape": list(HEATMAP_SHAPE),
            }
            for ref, _path in message["images"]
        ],
    }


def result_store(*, job_id: int, attempt: int, prediction: dict):
    """Store one job's prediction as the default-queue task does; the result, or None if dropped."""
    from screening.inference_jobs.result_services import Prediction, results_store

    stored = results_store(predictions=[Prediction(job_id, attempt, prediction)])
    return stored[0] if stored else None
