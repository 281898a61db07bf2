"""The inference worker's side: load a model (cached per process), predict, encode heat maps.

Nothing here touches the database: a worker gets file paths and a model name and version, and
returns plain data. Only ``inference`` is used, so a GPU machine needs the files and the
models folder, never database credentials.

Heat maps travel and are stored small (long side STORED_HEATMAP_LONG_SIDE, several times the
models' own grids of a few cells), as 8-bit levels; the page stretches them over the image.
"""

import base64
import functools
import os
import socket
import threading
from pathlib import Path
from typing import Any

# Long side of stored heat maps in pixels: the demo models' CAMs are 8x6 (MG) and 32x32 (CT) cells.
STORED_HEATMAP_LONG_SIDE = 64

_models: dict[tuple[str, str, str], Any] = {}
_lock = threading.Lock()


class PermanentInputError(Exception):
    """The study or model cannot be scored however often it is tried."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def torch_threads_set(threads: int) -> None:
    """Torch's intra-op threads in this process (0 leaves torch's default: one per core)."""
    import torch

    if threads > 0 and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def predictor_get(root: Path, model_name: str, model_version: str, *, torch_threads: int = 0) -> Any:
    """The Predictor for a model version, loaded once per process (checksum verified on load)."""
    from inference.predictor import Predictor
    from inference.registry import model_card_get, model_load

    key = (str(root), model_name, model_version)
    with _lock:
        if key not in _models:
            torch_threads_set(torch_threads)
            card = model_card_get(root, model_name, model_version)
            _models[key] = Predictor(model_load(card), heatmap_long_side=STORED_HEATMAP_LONG_SIDE)
        return _models[key]


def predict_study(
    *,
    root: Path,
    model_name: str,
    model_version: str,
    images: list[tuple[str, str]],
    torch_threads: int = 0,
) -> dict[str, Any]:
    """Score one study; raises PermanentInputError for problems no retry can fix."""
    from inference.heatmaps import heatmap_levels
    from inference.predictor import InputError
    from inference.registry import ModelRegistryError

    try:
        predictor = predictor_get(root, model_name, model_version, torch_threads=torch_threads)
        prediction = predictor.predict_study([(reference, Path(path)) for reference, path in images])
    except (InputError, ModelRegistryError, FileNotFoundError) as error:
        # WeightsChecksumMismatch is a ModelRegistryError: a tampered model stays refused.
        raise PermanentInputError(f"{type(error).__name__}: {error}") from error
    return {
        "model_name": prediction.model_name,
        "model_version": prediction.model_version,
        "programme": prediction.programme,
        "study_score": float(prediction.study_score),
        "calibration_prevalence": predictor.card.calibration_prevalence,
        "side_scores": {side: float(score) for side, score in prediction.side_scores.items()},
        "device": prediction.device,
        "timings_ms": {name: round(float(ms), 1) for name, ms in prediction.timings_ms.items()},
        "images": [
            {
                "reference": image.reference,
                "score": float(image.score),
                "side": image.side or "",
                "view": image.view or "",
                "slice_index": int(image.slice_index or 0),
                "heatmap": base64.b64encode(heatmap_levels(image.heatmap).tobytes()).decode("ascii"),
                "heatmap_shape": list(image.heatmap.shape),
            }
            for image in prediction.images
        ],
    }


@functools.cache
def device_name() -> str:
    """The device this process's models run on (asked once: the answer does not change)."""
    try:
        import torch

        return "cuda:0" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"
