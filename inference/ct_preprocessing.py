"""Chest CT series to model input: HU volume in slice order, fixed in-plane size, lung window.

Slices are ordered along the normal of their ImageOrientationPatient (InstanceNumber when
positions are missing), resampled in-plane to the model's size (no resampling across slices:
screening LDCT is reconstructed at 1-5 mm and the model sees a slice with its neighbours, a
"2.5-D" stack of 2 * half_depth + 1 slices, edges repeated).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inference.dicom_reading import DicomImage
from inference.image_resizing import resize_2d
from inference.input_errors import InputError

LUNG_WINDOW_HU = (-600.0, 1500.0)  # centre, width
MIN_CT_SLICES = 8


@dataclass(frozen=True)
class PreparedVolume:
    """A lung-windowed volume (slices, rows, cols) in [0, 1] and the input order of each slice."""

    slices: np.ndarray
    order: list[int]  # slices[i] came from input number order[i]
    original_shape: tuple[int, int]


def lung_window(hu: np.ndarray) -> np.ndarray:
    """HU to [0, 1] through the lung window (-600 / 1500)."""
    centre, width = LUNG_WINDOW_HU
    return np.clip((hu - (centre - width / 2)) / width, 0.0, 1.0).astype(np.float32)


def slice_order(images: Sequence[DicomImage]) -> list[int]:
    """Indices of images sorted along the slice normal (superior first is not assumed; just monotone)."""
    first = images[0]
    if first.orientation and len(first.orientation) == 6 and all(i.position_mm for i in images):
        row, col = np.array(first.orientation[:3]), np.array(first.orientation[3:])
        normal = np.cross(row, col)
        keys = [float(np.dot(normal, np.array(i.position_mm))) for i in images]
        return sorted(range(len(images)), key=lambda i: (-keys[i], i))
    return sorted(range(len(images)), key=lambda i: (images[i].instance_number or 0, i))


def ct_slice_prepare(image: DicomImage, input_shape: tuple[int, int]) -> np.ndarray:
    """One CT slice (HU) resized to input_shape and lung-windowed."""
    if image.pixels.ndim != 2:
        raise InputError("CT slice is not a single 2-D frame")
    return lung_window(resize_2d(image.pixels, input_shape))


def ct_volume_prepare(
    images: Sequence[DicomImage], input_shape: tuple[int, int], *, min_slices: int = MIN_CT_SLICES
) -> PreparedVolume:
    """Sort, resize and window a CT series; InputError for another modality or too few slices."""
    if any(image.modality != "CT" for image in images):
        raise InputError("expected CT slices, got " + ", ".join(sorted({i.modality for i in images})))
    if len(images) < min_slices:
        raise InputError(f"a CT volume needs at least {min_slices} slices, got {len(images)}")
    shapes = {image.pixels.shape for image in images}
    if len(shapes) != 1:
        raise InputError(f"CT slices of different sizes: {sorted(shapes)}")
    order = slice_order(images)
    slices = np.stack([ct_slice_prepare(images[i], input_shape) for i in order])
    rows, cols = images[0].pixels.shape[-2:]
    return PreparedVolume(slices=slices, order=order, original_shape=(int(rows), int(cols)))


def slice_stack(slices: np.ndarray, index: int, half_depth: int) -> np.ndarray:
    """Slice index with half_depth neighbours on each side as channels (edges repeated)."""
    picks = np.clip(np.arange(index - half_depth, index + half_depth + 1), 0, len(slices) - 1)
    return slices[picks]
