"""Read one DICOM file into modality values (HU for CT) plus the few attributes preprocessing needs.

Pixel data of every transfer syntax pydicom and the pylibjpeg plugins decode is accepted. The
modality LUT (rescale slope/intercept) is applied; MONOCHROME1 images are inverted so that a higher
value always means a brighter (denser) pixel.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_modality_lut

from inference.input_errors import InputError
from inference.pixel_bounds import PixelBoundsError, deflated_size_check, pixel_bounds_check

# The worker's bounds (intake refuses bigger images first; these hold for files stored before it
# did): one decoded frame, and a whole decoded image or stack (as float32 it takes twice as much).
MAX_DECODED_FRAME_BYTES = 64 * 1024 * 1024
MAX_DECODED_IMAGE_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class DicomImage:
    """One decoded image (or a multi-frame stack) with its geometry and identity."""

    pixels: np.ndarray  # float32, (rows, cols) or (frames, rows, cols); higher = brighter
    modality: str
    laterality: str  # "R" / "L" / "" (ImageLaterality, else Laterality)
    view: str  # ViewPosition, e.g. "CC" / "MLO"; "" when absent
    pixel_spacing_mm: tuple[float, float] | None
    position_mm: tuple[float, float, float] | None  # ImagePositionPatient
    orientation: tuple[float, ...] | None  # ImageOrientationPatient (6 direction cosines)
    instance_number: int | None


def _floats(value: object) -> tuple[float, ...] | None:
    try:
        return tuple(float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None


def _grey(ds: pydicom.Dataset, pixels: np.ndarray) -> np.ndarray:
    """Colour images (rare in screening) become the mean of their channels."""
    if int(ds.get("SamplesPerPixel", 1)) > 1:
        return np.asarray(pixels.mean(axis=-1))
    return pixels


def dicom_image_read(
    path: Path | str,
    *,
    max_frame_bytes: int = MAX_DECODED_FRAME_BYTES,
    max_image_bytes: int = MAX_DECODED_IMAGE_BYTES,
) -> DicomImage:
    """Decode a DICOM file; raise InputError when it is not a readable image, or would decode to
    more than the bounds (PixelBoundsError, checked before anything is inflated or decoded)."""
    try:
        with open(path, "rb") as stream:
            deflated_size_check(stream, max_bytes=max_image_bytes)
            ds = pydicom.dcmread(stream)
        pixel_bounds_check(ds, max_frame_bytes=max_frame_bytes, max_total_bytes=max_image_bytes)
        raw = ds.pixel_array
    except PixelBoundsError as exc:
        raise PixelBoundsError(f"{Path(path).name}: not decoded, {exc}") from exc
    except (InvalidDicomError, AttributeError, ValueError, RuntimeError, OSError, NotImplementedError) as exc:
        raise InputError(f"{Path(path).name}: not a readable DICOM image ({exc})") from exc
    pixels = np.asarray(apply_modality_lut(_grey(ds, raw), ds), dtype=np.float32)
    if ds.get("PhotometricInterpretation", "MONOCHROME2") == "MONOCHROME1":
        pixels = pixels.max() + pixels.min() - pixels
    spacing = _floats(ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing"))
    position = _floats(ds.get("ImagePositionPatient"))
    laterality = str(ds.get("ImageLaterality") or ds.get("Laterality") or "").upper()
    instance = ds.get("InstanceNumber")
    return DicomImage(
        pixels=pixels,
        modality=str(ds.get("Modality", "")),
        laterality=laterality,
        view=str(ds.get("ViewPosition", "")).upper(),
        pixel_spacing_mm=(spacing[0], spacing[1]) if spacing and len(spacing) == 2 else None,
        position_mm=(position[0], position[1], position[2]) if position and len(position) == 3 else None,
        orientation=_floats(ds.get("ImageOrientationPatient")),
        instance_number=int(instance) if instance not in (None, "") else None,
    )
