"""Heat maps: class activation maps mapped back onto the whole original image, and PNG transport.

The heat map is a CAM (Zhou et al. 2016), not a gradient-based Grad-CAM: the architectures end in
a 1x1 classifier applied at every location of the last feature map, and the image logit pools that
map, so the map itself is where the evidence for the logit lies. It needs no gradients (it works
inside `torch.inference_mode`) and costs nothing extra. Each location's value is the calibrated
probability of its own logit, sigmoid(cam / temperature), so a heat map is comparable across
images: a normal image's map stays dark, not stretched to its own maximum.
"""

import io

import numpy as np
from PIL import Image

from inference.image_resizing import fit_shape, resize_2d
from inference.study_scoring import calibrated

HEATMAP_LONG_SIDE = 256


def heatmap_shape(original_shape: tuple[int, int], long_side: int = HEATMAP_LONG_SIDE) -> tuple[int, int]:
    """The original's aspect ratio with the long side at most long_side."""
    if max(original_shape) <= long_side:
        return original_shape
    return fit_shape(original_shape, (long_side, long_side))


def cam_to_heatmap(
    cam: np.ndarray,
    *,
    temperature: float,
    input_shape: tuple[int, int],
    content_shape: tuple[int, int],
    original_shape: tuple[int, int],
    mirrored: bool = False,
) -> np.ndarray:
    """A CAM over the model input -> float32 [0, 1] over the whole original image (unpadded, unmirrored)."""
    over_input = resize_2d(cam, input_shape)
    content = over_input[: content_shape[0], : content_shape[1]]
    if mirrored:
        content = content[:, ::-1]
    heat = calibrated(resize_2d(content, heatmap_shape(original_shape)), temperature)
    return np.clip(heat, 0.0, 1.0).astype(np.float32)


def heatmap_png(heatmap: np.ndarray) -> bytes:
    """An 8-bit greyscale PNG of a [0, 1] heat map."""
    levels = np.round(np.clip(heatmap, 0.0, 1.0) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(levels, mode="L").save(buffer, format="PNG", compress_level=1)  # speed over size
    return buffer.getvalue()


def heatmap_from_png(data: bytes) -> np.ndarray:
    """Back from PNG bytes to float32 [0, 1]."""
    with Image.open(io.BytesIO(data)) as image:
        return (np.asarray(image.convert("L"), dtype=np.float32) / 255.0).astype(np.float32)
