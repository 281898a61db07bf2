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
from collections.abc import Callable, Generator, Sequence
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
    [score] = studies_predict(
        root=root,
        model_name=model_name,
        model_version=model_version,
        studies=[images],
        torch_threads=torch_threads,
        prefetch=0,
    )
    return score()


def studies_predict(
    *,
    root: Path,
    model_name: str,
    model_version: str,
    studies: Sequence[Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]]],
    torch_threads: int = 0,
    prefetch: int = 1,
) -> Generator[Callable[[], dict[str, Any]]]:
    """One call per study, in order, that scores it, while the next `prefetch` studies are decoded
    and preprocessed in the background (the predictor's `prepared_ahead`: bounded memory). A study
    is its (reference, path) pairs, or a callable that gets them (fetching its files, in the
    background too).

    Each call returns the study's payload or raises its own failure (PermanentInputError for
    problems no retry can fix), so a bad study fails alone. Closing the iterator cancels the
    decoding of studies not yet begun.
    """
    from inference.registry import ModelRegistryError

    try:
        predictor = predictor_get(root, model_name, model_version, torch_threads=torch_threads)
    except (ModelRegistryError, FileNotFoundError) as error:
        # WeightsChecksumMismatch is a ModelRegistryError: a tampered model stays refused.
        refusal: Exception | None = PermanentInputError(f"{type(error).__name__}: {error}")
    except Exception as error:  # each study raises it, to be judged as its own failure would be
        refusal = error
    else:
        refusal = None
    if refusal is not None:
        for _study in studies:
            yield functools.partial(_raise, refusal)
        return
    files = (functools.partial(_local_files, study) for study in studies)
    preparations = predictor.prepared_ahead(files, depth=prefetch)
    try:
        for preparation in preparations:
            yield functools.partial(_scored, predictor, preparation)
    finally:
        preparations.close()


def _local_files(study: Any) -> list[tuple[str, Path]]:
    """A study's (reference, path) pairs; a callable study gets its files first (a fetch, say)."""
    images = study() if callable(study) else study
    return [(reference, Path(path)) for reference, path in images]


def _raise(error: Exception) -> dict[str, Any]:
    raise error


def _scored(predictor: Any, preparation: Any) -> dict[str, Any]:
    from inference.heatmaps import heatmap_levels
    from inference.predictor import InputError

    try:
        prediction = predictor.score_prepared(preparation)
    except (InputError, FileNotFoundError) as error:
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
