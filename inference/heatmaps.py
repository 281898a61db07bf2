"""Heat maps: class activation maps mapped back onto the whole original image, and 8-bit levels.

The heat map is a CAM (Zhou et al. 2016), not a gradient-based Grad-CAM: the architectures end in
a 1x1 classifier applied at every location of the last feature map, and the image logit pools that
map, so the map itself is where the evidence for the logit lies. It needs no gradients (it works
inside `torch.inference_mode`) and costs nothing extra. Each location's value is the calibrated
probability of its own logit, sigmoid(cam / temperature), so a heat map is comparable across
images: a normal image's map stays dark, not stretched to its own maximum.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inference.image_resizing import fit_shape, resize_2d

HEATMAP_LONG_SIDE = 256


def heatmap_shape(original_shape: tuple[int, int], long_side: int = HEATMAP_LONG_SIDE) -> tuple[int, int]:
    """The original's aspect ratio with the long side at most long_side."""
    if max(original_shape) <= long_side:
        return original_shape
    return fit_shape(original_shape, (long_side, long_side))


@dataclass(frozen=True)
class HeatmapPlacement:
    """Where a model input's content lies in it, and the original image's shape and orientation."""

    content_shape: tuple[int, int]
    original_shape: tuple[int, int]
    mirrored: bool = False


def cams_to_heatmaps(
    cams: np.ndarray,
    placements: Sequence[HeatmapPlacement],
    *,
    temperature: float,
    input_shape: tuple[int, int],
    long_side: int = HEATMAP_LONG_SIDE,
    shift_cells: float = 0.0,
) -> list[np.ndarray]:
    """CAMs (N, h, w) over the model inputs -> float32 [0, 1] maps over the whole original images.

    Images that share a placement (all slices of a CT volume, usually the views of a mammogram) are
    resized together in one call, so a study costs a few array operations, not one per image.
    """
    groups: dict[tuple[tuple[int, int], tuple[int, int]], list[int]] = {}
    for index, placement in enumerate(placements):
        groups.setdefault((placement.content_shape, placement.original_shape), []).append(index)
    heatmaps: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(placements)
    for (content_shape, original_shape), indices in groups.items():
        content = cams[indices]
        stride = max(1, round(input_shape[0] / cams.shape[-2]))
        if content_shape != input_shape or cams.shape[-1] * stride != input_shape[1] or shift_cells:
            # padded input, cells that do not tile it or a dense map: place the cells, cut the content
            placed = cams_over_input(content, input_shape, shift_cells)
            content = placed[:, : content_shape[0], : content_shape[1]]
        heat = _sigmoid32(resize_2d(content, heatmap_shape(original_shape, long_side)), temperature)
        for position, index in enumerate(indices):
            # The resize is symmetric left to right, so unmirroring after it is the same as before.
            heatmaps[index] = np.ascontiguousarray(
                heat[position, :, ::-1] if placements[index].mirrored else heat[position]
            )
    return heatmaps


def cams_over_input(cams: np.ndarray, input_shape: tuple[int, int], shift_cells: float = 0.0) -> np.ndarray:
    """CAMs (N, h, w) resized onto the model input (N, H, W), each cell over the pixels it covers.

    A network of stride s maps an input whose side is not a multiple of s to floor(side / s) cells
    (its pools drop the remainder), so the cells cover h * s x w * s pixels from the top left, not
    the whole input: stretching them over it would put the map up to a cell off at the far edge.
    The uncovered remainder takes the nearest cell's value. A dense map's values are centred
    `shift_cells` cells down and right of their cells (`CamNet.dense_shift_cells`): moved there.
    """
    stride = max(1, round(input_shape[0] / cams.shape[-2]))  # rows are a multiple of the stride
    covered = (min(cams.shape[-2] * stride, input_shape[0]), min(cams.shape[-1] * stride, input_shape[1]))
    resized = resize_2d(cams, covered)
    shift = round(shift_cells * stride)
    if covered == input_shape and shift == 0:
        return resized
    rows, cols = input_shape[0] - covered[0], input_shape[1] - covered[1]
    placed = np.pad(resized, ((0, 0), (shift, rows), (shift, cols)), mode="edge")
    return placed[:, : input_shape[0], : input_shape[1]]


def _sigmoid32(logits: np.ndarray, temperature: float) -> np.ndarray:
    """`calibrated` in float32, in place (a CT study's maps are a quarter of a million values)."""
    heat = np.asarray(logits, dtype=np.float32)
    heat *= -1.0 / temperature
    with np.errstate(over="ignore"):  # exp overflows to inf for very negative logits: heat 0
        np.exp(heat, out=heat)
    heat += 1.0
    return np.reciprocal(heat, out=heat)


def heatmap_levels(heatmap: np.ndarray) -> np.ndarray:
    """A [0, 1] heat map as 8-bit levels (0..255): how heat maps are stored and sent."""
    return np.round(np.clip(heatmap, 0.0, 1.0) * 255).astype(np.uint8)
