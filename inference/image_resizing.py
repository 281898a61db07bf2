"""Resizing shared by preprocessing and heat maps: antialiased, deterministic, through torch."""

import numpy as np
import torch
import torch.nn.functional as F


def resize_2d(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize a 2-D array (or a stack, leading axes kept) to shape; area-like when shrinking."""
    tensor = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    leading = tensor.shape[:-2]
    flat = tensor.reshape(-1, 1, *tensor.shape[-2:])
    shrinking = shape[0] < flat.shape[-2] or shape[1] < flat.shape[-1]
    resized = F.interpolate(flat, size=shape, mode="bilinear", align_corners=False, antialias=shrinking)
    return resized.reshape(*leading, *shape).numpy()


def fit_shape(original: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The largest shape with original's aspect ratio that fits inside target."""
    scale = min(target[0] / original[0], target[1] / original[1])
    return max(1, round(original[0] * scale)), max(1, round(original[1] * scale))
