"""Where the heat maps point, against the generator's ground truth.

Breast: per lesion view, whether the heat map's peak lies inside the lesion's radius ("peak inside")
and within the radius plus one activation-map cell (the pointing game of Zhang et al. 2016, with the
map's own resolution as its tolerance). Lung: whether the study's top slice cuts the nodule, and
detection candidates (local maxima of the heat-map volume) for FROC.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from inference.predictor import ImagePrediction
from inference.synthetic.chest_geometry import CtGrid

# Candidates per CT study kept for FROC, and how far apart (slices, map cells) two must be.
FROC_CANDIDATES = 10
FROC_SLICE_SPACING = 2
FROC_FALSE_POSITIVES = (1.0, 2.0, 4.0)


@dataclass(frozen=True)
class ViewLocalisation:
    """One lesion view: the heat map's peak against the lesion (original pixels)."""

    view: str
    distance_px: float
    radius_px: float
    cell_px: float
    peak: float

    @property
    def inside(self) -> bool:
        return self.distance_px <= self.radius_px

    @property
    def pointing_hit(self) -> bool:
        return self.distance_px <= self.radius_px + self.cell_px


def peak_position(heatmap: np.ndarray, original_shape: tuple[int, int]) -> tuple[float, float, float]:
    """(row, col) of the heat map's maximum in original pixels, and its value.

    A confident lesion saturates the calibrated map (sigmoid(cam / T) is 1.0 in float32 from a logit
    of about 17 T), so its maximum is a plateau; the peak is the centre of the plateau holding the
    first maximum, not that plateau's top-left pixel.
    """
    flat = int(np.argmax(heatmap))
    peak = float(heatmap.flat[flat])
    plateau, _ = ndimage.label(heatmap >= peak)
    rows, cols = np.nonzero(plateau == plateau.flat[flat])
    row, col = float(rows.mean()), float(cols.mean())
    scale_rows, scale_cols = original_shape[0] / heatmap.shape[0], original_shape[1] / heatmap.shape[1]
    return (row + 0.5) * scale_rows - 0.5, (col + 0.5) * scale_cols - 0.5, peak


def breast_localisation(
    record: dict[str, Any], images: Sequence[ImagePrediction], cam_rows: int
) -> list[ViewLocalisation]:
    """Every lesion view's peak against its lesion."""
    original = (int(record["image_shape"][0]), int(record["image_shape"][1]))
    by_view = {f"{image.side}-{image.view}": image for image in images}
    results = []
    for lesion in record["lesions"]:
        for position in lesion["positions"]:
            image = by_view.get(position["view"])
            if image is None:
                continue
            row, col, peak = peak_position(image.heatmap, original)
            distance = float(np.hypot(row - position["row"], col - position["col"]))
            cell = original[0] / cam_rows
            results.append(ViewLocalisation(position["view"], distance, position["radius_px"], cell, peak))
    return results


def nodule_reach_slices(record: dict[str, Any]) -> float:
    """How many slices from its centre a nodule is cut (as training labels a slice positive)."""
    grid = CtGrid(tuple(record["image_shape"]))  # type: ignore[arg-type]
    return max(0.6, record["lesions"][0]["diameter_mm"] / 2 / grid.slice_thickness_mm)


def slice_holds_nodule(record: dict[str, Any], slice_index: int) -> bool:
    """The slice cuts the study's nodule."""
    centre = record["lesions"][0]["positions"][0]["slice"]
    return abs(slice_index - centre) <= nodule_reach_slices(record)


def heat_volume(images: Sequence[ImagePrediction]) -> np.ndarray:
    """The study's slice heat maps stacked in slice order (S, H, W)."""
    ordered = sorted(images, key=lambda image: image.slice_index or 0)
    return np.stack([image.heatmap for image in ordered])


def detection_candidates(volume: np.ndarray, cell_px: float) -> list[tuple[float, int, float, float]]:
    """(value, slice, row, col) of the heat volume's strongest local maxima, strongest first."""
    window = (2 * FROC_SLICE_SPACING + 1, 2 * round(cell_px) + 1, 2 * round(cell_px) + 1)
    tensor = torch.from_numpy(np.ascontiguousarray(volume, dtype=np.float32))[None, None]
    pooled = F.max_pool3d(tensor, window, stride=1, padding=tuple(w // 2 for w in window))
    peaks = (tensor == pooled)[0, 0].numpy() & (volume > 0)
    coordinates = np.argwhere(peaks)
    values = volume[peaks]
    order = np.argsort(-values, kind="stable")
    chosen: list[tuple[float, int, float, float]] = []
    for index in order:
        s, r, c = (int(v) for v in coordinates[index])
        if any(
            abs(s - cs) <= FROC_SLICE_SPACING and np.hypot(r - cr, c - cc) <= cell_px
            for _, cs, cr, cc in chosen
        ):
            continue  # a plateau: the same maximum found twice
        chosen.append((float(values[index]), s, float(r), float(c)))
        if len(chosen) == FROC_CANDIDATES:
            break
    return chosen


def candidate_hits(
    record: dict[str, Any], candidate: tuple[float, int, float, float], cell_px: float
) -> bool:
    """The candidate lies on the study's nodule: a slice that cuts it, within its radius plus a cell."""
    if not record["lesions"]:
        return False
    _, slice_index, row, col = candidate
    position = record["lesions"][0]["positions"][0]
    distance = np.hypot(row - position["row"], col - position["col"])
    return slice_holds_nodule(record, slice_index) and distance <= position["radius_px"] + cell_px


def froc_sensitivities(
    nodule_scores: Sequence[float | None], false_positive_scores: Sequence[float], studies: int
) -> dict[str, Any]:
    """Sensitivity at 1, 2 and 4 false positives per study (LUNA16-style FROC on the candidates).

    nodule_scores: per nodule, the best score of a candidate on it (None when no candidate is).
    """
    found = np.array([score for score in nodule_scores if score is not None])
    false = np.sort(np.asarray(false_positive_scores, dtype=np.float64))[::-1]
    result: dict[str, Any] = {"nodules": len(nodule_scores), "studies": studies}
    for rate in FROC_FALSE_POSITIVES:
        allowed = int(rate * studies)
        threshold = false[allowed] if allowed < len(false) else -np.inf
        hits = int((found > threshold).sum()) if len(found) else 0
        result[f"sensitivity_at_{rate:g}_fp"] = round(hits / len(nodule_scores), 4) if nodule_scores else None
    return result
