"""A stored greyscale heat map, coloured as a translucent RGBA overlay for the viewer."""

from io import BytesIO

import numpy as np
from PIL import Image

# Below this heat nothing is drawn, so the image stays readable where the model saw nothing.
TRANSPARENT_BELOW = 0.15
MAX_ALPHA = 190


def overlay_png(greyscale_png: bytes) -> bytes:
    """Map heat 0..1 to a blue-green-yellow-red ramp, with opacity growing with the heat."""
    with Image.open(BytesIO(greyscale_png)) as image:
        heat = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    red = np.clip(1.5 - np.abs(4 * heat - 3), 0, 1)
    green = np.clip(1.5 - np.abs(4 * heat - 2), 0, 1)
    blue = np.clip(1.5 - np.abs(4 * heat - 1), 0, 1)
    alpha = np.clip((heat - TRANSPARENT_BELOW) / (1 - TRANSPARENT_BELOW), 0, 1) * MAX_ALPHA
    rgba = np.stack([red * 255, green * 255, blue * 255, alpha], axis=-1).astype(np.uint8)
    buffer = BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
