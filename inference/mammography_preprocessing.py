"""Mammography views to model input: one orientation, aspect kept (padded), intensity in the breast.

Every view is turned so that the chest wall lies on the left (right views are mirrored in the
standard hanging; which edge holds the chest wall is read from the pixels, so a mislabelled or
unusual orientation still comes out right), scaled to fit the model's input with its aspect ratio
kept and padded at the right/bottom, and windowed between low and high percentiles of the breast.

A model may also ask for a second, calcification channel (input_spec "channels": 2): specks of
0.2-0.7 mm are smaller than one model-input pixel and vanish when the view is averaged down, so
the view is first resized to twice the model's size, its local excess over a Gaussian blur kept,
and that map max-pooled to the model's size, which keeps each speck's peak. Working at a fixed
multiple of the model's size makes the channel the same whatever the detector's resolution.
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy.ndimage import gaussian_filter

from inference.dicom_reading import DicomImage
from inference.image_resizing import fit_shape, resize_2d
from inference.input_errors import InputError

MG_VIEWS = ("CC", "MLO")
MG_SIDES = ("R", "L")
# Intensity window inside the breast; values above the high percentile are kept up to CLIP_HIGH so
# that calcification specks, the brightest things in a mammogram, keep their edge over tissue.
WINDOW_PERCENTILES = (1.0, 99.0)
CLIP_HIGH = 1.5
# Calcification channel: computed at CALCIFICATION_OVERSAMPLE x the model's size, excess over a
# Gaussian blur of CALCIFICATION_SIGMA_PX pixels there, max-pooled down, scaled to about 0..1.
CALCIFICATION_OVERSAMPLE = 2
CALCIFICATION_SIGMA_PX = 2.0
CALCIFICATION_GAIN = 4.0


@dataclass(frozen=True)
class PreparedView:
    """One view ready for the model, with what it takes to map a heat map back to the original."""

    array: np.ndarray  # float32 (channels, rows, cols) of the model input
    side: str
    view: str
    original_shape: tuple[int, int]
    content_shape: tuple[int, int]  # the part of array that holds the image (the rest is padding)
    mirrored: bool  # True when the original had its chest wall on the right


def breast_mask(pixels: np.ndarray) -> np.ndarray:
    """Pixels of the breast: clearly above the background (air) level."""
    low, high = np.percentile(pixels, (0.5, 99.5))
    return np.asarray(pixels > low + 0.08 * (high - low))


def chest_wall_on_right(pixels: np.ndarray) -> bool:
    """The chest wall is the edge with more breast along it."""
    mask = breast_mask(pixels)
    band = max(1, pixels.shape[1] // 8)
    return bool(mask[:, -band:].mean() > mask[:, :band].mean())


def intensity_window(pixels: np.ndarray) -> np.ndarray:
    """Map the breast's low..high percentiles to 0..1; air becomes 0."""
    mask = breast_mask(pixels)
    inside = pixels[mask] if mask.any() else pixels.ravel()
    low, high = np.percentile(inside, WINDOW_PERCENTILES)
    scaled = (pixels - low) / max(float(high - low), 1e-6)
    return np.where(mask, np.clip(scaled, 0.0, CLIP_HIGH), 0.0).astype(np.float32)


def _side_and_view(image: DicomImage) -> tuple[str, str]:
    if image.laterality not in MG_SIDES:
        raise InputError(f"mammography image without laterality (ImageLaterality {image.laterality!r})")
    view = "MLO" if "MLO" in image.view else "CC" if "CC" in image.view else image.view
    if view not in MG_VIEWS:
        raise InputError(f"mammography view {image.view!r} is not CC or MLO")
    return image.laterality, view


def calcification_map(windowed: np.ndarray, content: tuple[int, int]) -> np.ndarray:
    """Local bright excess (specks) of a windowed view, max-pooled to content (rows, cols)."""
    fine_shape = (content[0] * CALCIFICATION_OVERSAMPLE, content[1] * CALCIFICATION_OVERSAMPLE)
    fine = resize_2d(windowed, fine_shape)
    excess = np.clip(fine - gaussian_filter(fine, CALCIFICATION_SIGMA_PX, mode="nearest"), 0.0, None)
    pooled = F.max_pool2d(torch.from_numpy(excess)[None, None], CALCIFICATION_OVERSAMPLE)[0, 0]
    return np.minimum(pooled.numpy() * CALCIFICATION_GAIN, CLIP_HIGH)


def mammography_view_prepare(
    image: DicomImage, input_shape: tuple[int, int], channels: int = 1
) -> PreparedView:
    """Orient, resize (aspect kept, padded) and window one MG view for a model of input_shape.

    channels 1: the windowed view; 2: the view and its calcification map.
    """
    if channels not in (1, 2):
        raise InputError(f"mammography models take 1 or 2 input channels, not {channels}")
    if image.modality not in ("MG", ""):
        raise InputError(f"expected a mammogram, got modality {image.modality!r}")
    if image.pixels.ndim != 2:
        raise InputError("mammography view is not a single 2-D frame")
    side, view = _side_and_view(image)
    pixels = image.pixels
    mirrored = chest_wall_on_right(pixels)
    if mirrored:
        pixels = pixels[:, ::-1]
    windowed = intensity_window(pixels)
    content = fit_shape((pixels.shape[0], pixels.shape[1]), input_shape)
    array = np.zeros((channels, *input_shape), dtype=np.float32)
    array[0, : content[0], : content[1]] = resize_2d(windowed, content)
    if channels == 2:
        array[1, : content[0], : content[1]] = calcification_map(windowed, content)
    return PreparedView(
        array=array,
        side=side,
        view=view,
        original_shape=(pixels.shape[0], pixels.shape[1]),
        content_shape=content,
        mirrored=mirrored,
    )
