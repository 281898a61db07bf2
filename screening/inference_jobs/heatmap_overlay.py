"""A stored heat map, coloured as a translucent RGBA overlay for the viewer."""

from io import BytesIO

import numpy as np
from django.core.files.storage import default_storage
from PIL import Image

from screening.inference_jobs.models import InferenceImageResult

# Below this heat nothing is drawn, so the image stays readable where the model saw nothing.
TRANSPARENT_BELOW = 0.15
MAX_ALPHA = 190


def stored_heat(image: InferenceImageResult) -> np.ndarray:
    """The image's heat map as float32 [0, 1]: from its levels, or the PNG file of an older result."""
    if image.heatmap_rows:
        levels = np.frombuffer(bytes(image.heatmap_levels), dtype=np.uint8)
        return levels.reshape(image.heatmap_rows, image.heatmap_cols).astype(np.float32) / 255.0
    with default_storage.open(str(image.heatmap.name), "rb") as stored, Image.open(stored) as png:
        return np.asarray(png.convert("L"), dtype=np.float32) / 255.0


def overlay_rgba(heat: np.ndarray) -> np.ndarray:
    """Map heat 0..1 to a blue-green-yellow-red ramp, with opacity growing with the heat (uint8 RGBA)."""
    red = np.clip(1.5 - np.abs(4 * heat - 3), 0, 1)
    green = np.clip(1.5 - np.abs(4 * heat - 2), 0, 1)
    blue = np.clip(1.5 - np.abs(4 * heat - 1), 0, 1)
    alpha = np.clip((heat - TRANSPARENT_BELOW) / (1 - TRANSPARENT_BELOW), 0, 1) * MAX_ALPHA
    return np.stack([red * 255, green * 255, blue * 255, alpha], axis=-1).astype(np.uint8)


def overlay_png(heat: np.ndarray) -> bytes:
    """The overlay as a PNG of the heat map's own (small) size: the page stretches it over the image."""
    buffer = BytesIO()
    Image.fromarray(overlay_rgba(heat), mode="RGBA").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
