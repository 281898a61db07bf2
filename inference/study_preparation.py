"""A study's files to one model-ready array: decode (in parallel threads) and preprocess per programme.

Used by the predictor and by training, so that a model is trained on exactly what it will see.
"""

import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inference.ct_preprocessing import ct_volume_prepare, slice_stack
from inference.dicom_reading import DicomImage, dicom_image_read
from inference.input_errors import InputError
from inference.mammography_preprocessing import MG_SIDES, MG_VIEWS, mammography_view_prepare


@dataclass(frozen=True)
class ImageGeometry:
    """How one model input relates to its original image (to place its heat map)."""

    reference: str
    side: str
    view: str
    slice_index: int | None
    original_shape: tuple[int, int]
    content_shape: tuple[int, int]
    mirrored: bool


@dataclass
class PreparedStudy:
    """Model inputs (N, C, H, W) float32 with the geometry of each, and how long it took."""

    programme: str
    inputs: np.ndarray
    images: list[ImageGeometry]
    timings_ms: dict[str, float] = field(default_factory=dict)


def input_shape(spec: dict[str, Any]) -> tuple[int, int]:
    """(rows, cols) of a model's input from its card's input_spec."""
    return int(spec["rows"]), int(spec["cols"])


def _decode(paths: Sequence[Path], executor: Executor | None) -> list[DicomImage]:
    if executor is None or len(paths) < 2:
        return [dicom_image_read(path) for path in paths]
    return list(executor.map(dicom_image_read, paths))


def _mammography(
    files: Sequence[tuple[str, Path]], images: list[DicomImage], spec: dict[str, Any]
) -> tuple[np.ndarray, list[ImageGeometry]]:
    shape = input_shape(spec)
    channels = int(spec.get("channels", 1))
    prepared = [mammography_view_prepare(image, shape, channels) for image in images]
    present = {(view.side, view.view) for view in prepared}
    missing = [f"{side}-{view}" for side in MG_SIDES for view in MG_VIEWS if (side, view) not in present]
    if missing:
        raise InputError("mammography study lacks the views " + ", ".join(missing))
    geometry = [
        ImageGeometry(
            reference, view.side, view.view, None, view.original_shape, view.content_shape, view.mirrored
        )
        for (reference, _), view in zip(files, prepared, strict=True)
    ]
    return np.stack([view.array for view in prepared]), geometry


def _ct(
    files: Sequence[tuple[str, Path]], images: list[DicomImage], spec: dict[str, Any]
) -> tuple[np.ndarray, list[ImageGeometry]]:
    shape = input_shape(spec)
    volume = ct_volume_prepare(images, shape, min_slices=int(spec.get("min_slices", 8)))
    half_depth = int(spec.get("half_depth", 1))
    inputs = np.stack([slice_stack(volume.slices, i, half_depth) for i in range(len(volume.slices))])
    geometry = [
        ImageGeometry(files[source][0], "", "", index, volume.original_shape, shape, False)
        for index, source in enumerate(volume.order)
    ]
    return inputs, geometry


def study_prepare(
    programme: str,
    files: Sequence[tuple[str, Path]],
    spec: dict[str, Any],
    executor: Executor | None = None,
) -> PreparedStudy:
    """Decode and preprocess one study's (reference, path) files for a model with input_spec spec."""
    if not files:
        raise InputError("a study without files")
    started = time.perf_counter()
    images = _decode([Path(path) for _, path in files], executor)
    decoded = time.perf_counter()
    prepare = _mammography if programme == "breast" else _ct
    inputs, geometry = prepare(files, images, spec)
    finished = time.perf_counter()
    timings = {"load": (decoded - started) * 1000, "preprocess": (finished - decoded) * 1000}
    return PreparedStudy(programme, np.ascontiguousarray(inputs, dtype=np.float32), geometry, timings)
