"""Server-side rendering of stored instances: decoded pixels, and 8-bit PNG views cached by key.

Decoding goes through pydicom's pixel pipeline with the pylibjpeg plugins (JPEG baseline,
extended and lossless, JPEG-LS, JPEG 2000, RLE; deflated and big-endian files are read by pydicom
itself). A rendered view applies, in DICOM order, the modality LUT (rescale to Hounsfield units for
CT), the VOI (a preset window, the file's VOI LUT or window, or a percentile window), and shows
MONOCHROME1 inverted, so white is always dense.
"""

from dataclasses import dataclass
from io import BytesIO
from typing import Any

import numpy as np
import pydicom
import pydicom.errors
from django.core.cache import cache
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, apply_modality_lut, pixel_array

from inference.pixel_bounds import PixelBoundsError, pixel_bounds_check
from screening.imaging.image_limits import max_decoded_frame_bytes
from screening.imaging.models import Instance
from screening.imaging.window_presets import AUTO, DEFAULT, WindowPreset, window_preset

MIN_SIZE, MAX_SIZE = 16, 4096
# A requested size is rounded up to one of these, so an instance has a bounded number of renders
# (per frame and window) however many sizes are asked for.
RENDER_SIZES = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
# Every frame is checked against the decoded-frame bound; the whole image only against this.
MAX_STORED_BYTES = 2**62
CACHE_SECONDS = 24 * 60 * 60
# Percentiles of the automatic window: robust to a few very bright markers or dead pixels.
AUTO_LOW, AUTO_HIGH = 0.5, 99.5


class RenderingError(Exception):
    """The stored file could not be decoded (no decoder for it, or corrupt pixel data)."""


@dataclass(frozen=True)
class DecodedFrame:
    """One frame after the modality LUT (float, grey) or as RGB (uint8), with its dataset."""

    pixels: np.ndarray
    dataset: Dataset
    frame: int

    @property
    def is_colour(self) -> bool:
        return self.pixels.ndim == 3


def frame_decode(instance: Instance, frame: int = 0) -> DecodedFrame:
    """Read the stored file and decode one frame; grey values come back in modality units."""
    if not 0 <= frame < max(instance.frames, 1):
        raise IndexError(f"{instance} has no frame {frame}.")
    try:
        with instance.file.open("rb") as stored:
            dataset = pydicom.dcmread(stored)
    except (OSError, pydicom.errors.InvalidDicomError) as error:
        raise RenderingError(
            f"{instance}: the stored file cannot be read ({type(error).__name__})."
        ) from error
    number_of_frames = int(dataset.get("NumberOfFrames") or 1)
    if frame >= number_of_frames:
        raise IndexError(f"{instance} has no frame {frame}.")
    try:  # decode nothing bigger than a bound, whatever was stored before intake bounded it
        pixel_bounds_check(
            dataset, max_frame_bytes=max_decoded_frame_bytes(), max_total_bytes=MAX_STORED_BYTES
        )
    except PixelBoundsError as error:
        raise RenderingError(f"{instance}: not decoded, {error}.") from error
    try:
        pixels = pixel_array(dataset, index=frame if number_of_frames > 1 else None)
    except (RuntimeError, ValueError, NotImplementedError) as error:
        raise RenderingError(f"{instance}: the pixel data cannot be decoded ({error}).") from error
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(pixels, dataset)
        return DecodedFrame(_to_uint8(rgb, 16 if rgb.max() > 255 else 8), dataset, frame)
    if pixels.ndim == 3:  # RGB (YBR has been converted to RGB by the decoder)
        return DecodedFrame(_to_uint8(pixels, int(dataset.get("BitsStored") or 8)), dataset, frame)
    return DecodedFrame(_modality_values(pixels, dataset, frame), dataset, frame)


def pixel_frame(instance: Instance, frame: int = 0) -> np.ndarray:
    """One frame of an instance as a numpy array: modality values (e.g. HU), or RGB uint8."""
    return frame_decode(instance, frame).pixels


def frame_png(
    instance: Instance, *, frame: int = 0, window: str | None = None, size: int | None = None
) -> bytes:
    """An 8-bit PNG of one frame under a window preset, downscaled to `size` (longest side, rounded
    up to one of RENDER_SIZES); cached."""
    preset = window_preset(instance.series.modality or instance.series.study.modality, window)
    if size is not None and not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be between {MIN_SIZE} and {MAX_SIZE}.")
    size = render_size(size)
    key = _cache_key(instance, frame=frame, window=preset.name, size=size)
    png = cache.get(key)
    if png is None:
        png = _render_png(frame_decode(instance, frame), preset=preset, size=size)
        cache.set(key, png, CACHE_SECONDS)
    return png


def render_size(size: int | None) -> int | None:
    """The rendered size a request gets: the smallest of RENDER_SIZES at least as large."""
    if size is None:
        return None
    return next(allowed for allowed in RENDER_SIZES if allowed >= size)


def _cache_key(instance: Instance, *, frame: int, window: str, size: int | None) -> str:
    # The content hash keeps a re-sent, different file under the same UID from showing a stale view.
    return f"imaging:png:{instance.sop_instance_uid}:{instance.sha256[:16]}:{frame}:{window}:{size or 0}"


def _render_png(decoded: DecodedFrame, *, preset: WindowPreset, size: int | None) -> bytes:
    if decoded.is_colour:
        image = Image.fromarray(decoded.pixels, mode="RGB")
    else:
        grey = _windowed(decoded, preset)
        if str(decoded.dataset.get("PhotometricInterpretation", "")) == "MONOCHROME1":
            grey = 1.0 - grey
        image = Image.fromarray(np.rint(grey * 255).astype(np.uint8), mode="L")
    if size is not None and max(image.size) > size:
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _modality_values(pixels: np.ndarray, dataset: Dataset, frame: int) -> np.ndarray:
    """Stored values through the modality LUT or rescale (top level or per-frame functional groups)."""
    if "ModalityLUTSequence" in dataset:
        return np.asarray(apply_modality_lut(pixels, dataset), dtype=np.float64)
    transformation = _functional_group_item(dataset, frame, "PixelValueTransformationSequence")
    source = transformation if transformation is not None else dataset
    slope = float(source.get("RescaleSlope") or 1.0)
    intercept = float(source.get("RescaleIntercept") or 0.0)
    return pixels.astype(np.float64) * slope + intercept


def _windowed(decoded: DecodedFrame, preset: WindowPreset) -> np.ndarray:
    """Grey values mapped to [0, 1] by the preset, the file's VOI, or the automatic window."""
    values, dataset = decoded.pixels, decoded.dataset
    if preset.is_fixed:
        return _linear_window(values, float(preset.center or 0), float(preset.width or 1))
    if preset.name == DEFAULT:
        if "VOILUTSequence" in dataset:
            return _voi_lut(values, dataset)
        file_window = _file_window(dataset, decoded.frame)
        if file_window is not None:
            center, width, function = file_window
            if function == "SIGMOID":
                return 1.0 / (1.0 + np.exp(-4.0 * (values - center) / width))
            if function == "LINEAR_EXACT":
                return np.clip((values - center) / width + 0.5, 0.0, 1.0)
            return _linear_window(values, center, width)
    assert preset.name in (DEFAULT, AUTO)
    return _auto_window(values, modality=str(dataset.get("Modality", "")))


def _linear_window(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """DICOM PS3.3 C.11.2.1.2.1, LINEAR, scaled to [0, 1]."""
    width = max(width, 1.0)
    return np.clip((values - (center - 0.5)) / max(width - 1.0, 1.0) + 0.5, 0.0, 1.0)


def _voi_lut(values: np.ndarray, dataset: Dataset) -> np.ndarray:
    """The file's first VOI LUT (PS3.3 C.11.2.1.1); values outside its range take its end entries."""
    item = dataset.VOILUTSequence[0]
    entries, first_mapped, bits = (int(v) for v in item.LUTDescriptor)
    element = item["LUTData"]
    if element.VR == "OW" and isinstance(element.value, bytes):
        little_endian = (dataset.original_encoding or (None, True))[1] is not False
        lut = np.frombuffer(element.value, dtype="<u2" if little_endian else ">u2").astype(np.float64)
    else:
        lut = np.asarray(element.value, dtype=np.float64).ravel()
    entries = entries or 2**16
    index = np.clip(np.rint(values) - first_mapped, 0, min(entries, lut.size) - 1).astype(np.int64)
    top = max(float(2**bits - 1), float(lut.max()), 1.0)
    return np.clip(lut[index] / top, 0.0, 1.0)


def _file_window(dataset: Dataset, frame: int) -> tuple[float, float, str] | None:
    """The first window the file declares (top level or per frame), with its VOI LUT function."""
    voi = _functional_group_item(dataset, frame, "FrameVOILUTSequence")
    source = voi if voi is not None else dataset
    center, width = _first_value(source.get("WindowCenter")), _first_value(source.get("WindowWidth"))
    if center is None or width is None or width <= 0:
        return None
    function = str(source.get("VOILUTFunction") or "LINEAR").upper()
    return center, width, function


def _auto_window(values: np.ndarray, *, modality: str) -> np.ndarray:
    """A percentile window; for mammograms the air around the breast is left out of the statistics."""
    sample = values
    if modality.upper() == "MG":
        tissue = values[values > values.min()]
        if tissue.size > values.size // 100:
            sample = tissue
    low, high = np.percentile(sample, [AUTO_LOW, AUTO_HIGH])
    if high <= low:
        return np.zeros_like(values) if high <= values.min() else np.ones_like(values)
    return np.clip((values - low) / (high - low), 0.0, 1.0)


def _functional_group_item(dataset: Dataset, frame: int, sequence_name: str) -> Dataset | None:
    """An enhanced multi-frame attribute: the frame's own group first, then the shared one."""
    per_frame = dataset.get("PerFrameFunctionalGroupsSequence")
    if per_frame is not None and frame < len(per_frame) and sequence_name in per_frame[frame]:
        return per_frame[frame][sequence_name][0]
    shared = dataset.get("SharedFunctionalGroupsSequence")
    if shared and sequence_name in shared[0]:
        return shared[0][sequence_name][0]
    return None


def _first_value(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple)) or (hasattr(value, "__getitem__") and not isinstance(value, str)):
        value = value[0] if len(value) else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _to_uint8(pixels: np.ndarray, bits: int = 8) -> np.ndarray:
    if pixels.dtype == np.uint8:
        return pixels
    top = float(2**bits - 1) if bits > 0 else float(pixels.max() or 1)
    return np.clip(np.rint(pixels.astype(np.float64) / top * 255), 0, 255).astype(np.uint8)
