"""What image sizes each modality produces: intake refuses anything bigger, before it is decoded.

A 4 MB RLE file declaring 16384 x 16384 pixels passed intake and took 21 s and 8.7 GB to render.
No screening modality produces such an image, so intake bounds rows, columns, frames, bits
allocated and the decoded size per modality (the table below, overridden per key by the setting
``DICOM_IMAGE_LIMITS``), bounds any one decoded frame (``DICOM_MAX_DECODED_FRAME_BYTES``, also
checked by the renderer and the inference worker before they decode), checks that each compressed
frame's own header declares the size the attributes do, and inflates a deflated dataset counting
its bytes before parsing it. See docs/intake.md.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from django.conf import settings
from pydicom.dataset import Dataset

from inference.pixel_bounds import PixelBoundsError, pixel_bounds_check, pixel_geometry

MIB = 1024 * 1024
GIB = 1024 * MIB


@dataclass(frozen=True)
class ModalityImageLimits:
    """The largest image of one modality intake accepts."""

    max_rows: int
    max_columns: int
    max_frames: int
    max_bits_allocated: int
    max_decoded_bytes: int


# Sized on what the modalities produce, with room: full-field mammograms up to 5928 x 4728
# (50 micrometre detectors) and tomosynthesis up to ~200 slices; CT 512 x 512 (up to 2048 x 2048
# for high-resolution reconstructions) in up to a few thousand frames of an enhanced object;
# radiographs up to ~4300 x 4300; ultrasound cine loops in RGB.
DEFAULT_IMAGE_LIMITS: dict[str, ModalityImageLimits] = {
    "MG": ModalityImageLimits(8192, 8192, 400, 16, 2 * GIB),
    "CT": ModalityImageLimits(2048, 2048, 4096, 16, 2 * GIB),
    "MR": ModalityImageLimits(1024, 1024, 4096, 16, 1 * GIB),
    "CR": ModalityImageLimits(8192, 8192, 4, 16, 512 * MIB),
    "DX": ModalityImageLimits(8192, 8192, 4, 16, 512 * MIB),
    "US": ModalityImageLimits(2048, 2048, 4096, 8, 2 * GIB),
    "OT": ModalityImageLimits(8192, 8192, 1024, 16, 1 * GIB),
}
# Any other modality (or none given).
OTHER_MODALITY = "*"
DEFAULT_IMAGE_LIMITS[OTHER_MODALITY] = ModalityImageLimits(8192, 8192, 1024, 16, 1 * GIB)
DEFAULT_MAX_DECODED_FRAME_BYTES = 64 * MIB


def image_limits_table(
    overrides: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, ModalityImageLimits]:
    """The table with the setting's overrides applied, key by key (a new modality starts from '*')."""
    if overrides is None:
        overrides = getattr(settings, "DICOM_IMAGE_LIMITS", {}) or {}
    table = dict(DEFAULT_IMAGE_LIMITS)
    for modality, values in overrides.items():
        base = table.get(modality.upper(), DEFAULT_IMAGE_LIMITS[OTHER_MODALITY])
        table[modality.upper()] = replace(base, **{key: int(value) for key, value in values.items()})
    return table


def max_decoded_frame_bytes() -> int:
    return int(getattr(settings, "DICOM_MAX_DECODED_FRAME_BYTES", DEFAULT_MAX_DECODED_FRAME_BYTES))


def modality_limits(table: Mapping[str, ModalityImageLimits], modality: str) -> ModalityImageLimits:
    return table.get(modality.strip().upper(), table[OTHER_MODALITY])


def image_limits_problem(
    dataset: Dataset, table: Mapping[str, ModalityImageLimits], max_frame_bytes: int
) -> str | None:
    """Why intake must refuse this image as bigger than its modality produces; None when it fits."""
    modality = str(dataset.get("Modality") or "").strip().upper()
    limits = modality_limits(table, modality)
    label = modality or "this modality"
    try:
        geometry = pixel_geometry(dataset)
    except PixelBoundsError as error:
        return f"{str(error).capitalize()}."
    checks: list[tuple[str, int, int]] = [
        ("rows", geometry.rows, limits.max_rows),
        ("columns", geometry.columns, limits.max_columns),
        ("frames", geometry.frames, limits.max_frames),
        ("bits allocated", geometry.bits_allocated, limits.max_bits_allocated),
    ]
    for name, value, limit in checks:
        if value > limit:
            return f"The image has {value} {name}; {label} images have at most {limit}."
    try:
        pixel_bounds_check(dataset, max_frame_bytes=max_frame_bytes, max_total_bytes=limits.max_decoded_bytes)
    except PixelBoundsError as error:
        return f"{str(error).capitalize()} ({label})."
    return None
