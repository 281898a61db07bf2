"""Training-time augmentation on a batch: flips, a small affine jitter and an intensity jitter.

Drawn from a seeded torch.Generator, so a training run is repeatable.
"""

import math

import torch
import torch.nn.functional as F

ROTATION_DEGREES = 6.0
SCALE_JITTER = 0.08
SHIFT_JITTER = 0.04  # of the half-size (affine_grid coordinates)
GAIN_JITTER = 0.1
OFFSET_JITTER = 0.04


def _uniform(n: int, generator: torch.Generator, spread: float) -> torch.Tensor:
    return (torch.rand(n, generator=generator) * 2 - 1) * spread


def batch_augment(
    images: torch.Tensor, masks: torch.Tensor, generator: torch.Generator, *, mirror_left_right: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Augmented copies of images (N, C, H, W) and their lesion masks (N, 1, H, W), moved together.

    Up-down flip (and left-right when allowed), a small affine, then a gain/offset on the images only.
    """
    n, channels = images.shape[0], images.shape[1]
    images = torch.cat([images, masks], dim=1)
    flip = (torch.rand(n, generator=generator) < 0.5)[:, None, None, None]
    images = torch.where(flip, images.flip(-2), images)
    if mirror_left_right:
        flip = (torch.rand(n, generator=generator) < 0.5)[:, None, None, None]
        images = torch.where(flip, images.flip(-1), images)
    angle = _uniform(n, generator, math.radians(ROTATION_DEGREES))
    scale = 1 + _uniform(n, generator, SCALE_JITTER)
    shift_x, shift_y = _uniform(n, generator, SHIFT_JITTER), _uniform(n, generator, SHIFT_JITTER)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift_x], 1), torch.stack([sin, cos, shift_y], 1)], 1)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    images = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    images, masks = images[:, :channels], images[:, channels:]
    gain = (1 + _uniform(n, generator, GAIN_JITTER))[:, None, None, None]
    offset = _uniform(n, generator, OFFSET_JITTER)[:, None, None, None]
    return images * gain + offset * (images > 0), masks
