"""Analytic chest anatomy for the CT phantom: body, lungs and heart as functions of position in mm.

Patient coordinates follow DICOM (LPS): x grows to the patient's left, y to the back, z to the head.
Slice 0 is the most superior; `level` runs 0 at the top of the scan to 1 at the bottom.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

SMALL_CT_SHAPE = (64, 256, 256)
FULL_CT_SHAPE = (160, 512, 512)
FIELD_OF_VIEW_MM = 360.0
SCAN_LENGTH_MM = 300.0


@dataclass(frozen=True)
class ChestAnatomy:
    """One participant's chest: body size, fat, lung extent, spine, ribs and vessel tree seed."""

    body_half_width: float
    body_half_depth: float
    fat_mm: float
    lung_top: float
    lung_bottom: float
    spine_radius: float
    rib_phase: float
    vessel_seed: int
    noise_hu: float


@dataclass(frozen=True)
class CtGrid:
    """Voxel geometry: spacings in mm and the mapping from voxel indices to patient mm."""

    shape: tuple[int, int, int]

    @property
    def pixel_spacing_mm(self) -> float:
        return FIELD_OF_VIEW_MM / self.shape[2]

    @property
    def slice_thickness_mm(self) -> float:
        return SCAN_LENGTH_MM / self.shape[0]

    def x_mm(self, col: ArrayLike) -> np.ndarray:
        return (np.asarray(col, dtype=np.float64) - (self.shape[2] - 1) / 2) * self.pixel_spacing_mm

    def y_mm(self, row: ArrayLike) -> np.ndarray:
        return (np.asarray(row, dtype=np.float64) - (self.shape[1] - 1) / 2) * self.pixel_spacing_mm

    def z_mm(self, slice_index: ArrayLike) -> np.ndarray:
        return -np.asarray(slice_index, dtype=np.float64) * self.slice_thickness_mm

    def level(self, slice_index: ArrayLike) -> np.ndarray:
        return (np.asarray(slice_index, dtype=np.float64) + 0.5) / self.shape[0]

    def voxel(self, x: float, y: float, z: float) -> tuple[float, float, float]:
        """Fractional (slice, row, col) of a point in patient mm."""
        spacing = self.pixel_spacing_mm
        return (
            float(-z / self.slice_thickness_mm),
            float(y / spacing + (self.shape[1] - 1) / 2),
            float(x / spacing + (self.shape[2] - 1) / 2),
        )


def chest_anatomy_sample(rng: np.random.Generator) -> ChestAnatomy:
    """A plausible adult chest."""
    return ChestAnatomy(
        body_half_width=float(rng.uniform(135, 170)),
        body_half_depth=float(rng.uniform(92, 120)),
        fat_mm=float(rng.uniform(6, 28)),
        lung_top=float(rng.uniform(0.03, 0.08)),
        lung_bottom=float(rng.uniform(0.86, 0.95)),
        spine_radius=float(rng.uniform(15, 19)),
        rib_phase=float(rng.uniform(0, 1)),
        vessel_seed=int(rng.integers(2**31)),
        noise_hu=float(rng.uniform(22, 40)),
    )


def lung_extent(anatomy: ChestAnatomy, level: np.ndarray | float) -> np.ndarray:
    """How far down the lung a level is: 0 at the apex, 1 at the base (outside 0..1: no lung)."""
    return (np.asarray(level) - anatomy.lung_top) / (anatomy.lung_bottom - anatomy.lung_top)


def lung_ellipse(anatomy: ChestAnatomy, side: int, extent: np.ndarray | float) -> tuple[np.ndarray, ...]:
    """Centre x, centre y and semi-axes (mm) of one lung's cross-section (side -1 right, +1 left)."""
    extent = np.asarray(extent, dtype=np.float64)
    growth = np.sin(np.pi / 2 * np.clip(extent / 0.45, 0, 1)) ** 0.6 * ((extent >= 0) & (extent <= 1))
    half_width = 0.36 * anatomy.body_half_width * growth
    half_depth = 0.72 * anatomy.body_half_depth * growth
    centre_x = side * 0.5 * anatomy.body_half_width + 0 * extent
    centre_y = 0.08 * anatomy.body_half_depth + 0 * extent
    return centre_x, centre_y, half_width, half_depth


def inside_lung(anatomy: ChestAnatomy, x: np.ndarray, y: np.ndarray, extent: np.ndarray) -> np.ndarray:
    """True inside either lung: two ellipses, hollowed by the diaphragm dome and cut by the heart."""
    result = np.zeros(np.broadcast_shapes(np.shape(x), np.shape(y), np.shape(extent)), dtype=bool)
    dome = np.clip((extent - 0.7) / 0.3, 0, 1) ** 0.7 * 0.92
    for side in (-1, 1):
        cx, cy, ax, ay = lung_ellipse(anatomy, side, extent)
        radius_sq = ((x - cx) / np.maximum(ax, 1e-6)) ** 2 + ((y - cy) / np.maximum(ay, 1e-6)) ** 2
        result |= (radius_sq < 1) & (radius_sq >= dome**2) & (ax > 0)
    return result & ~inside_heart(anatomy, x, y, extent)


def inside_heart(anatomy: ChestAnatomy, x: np.ndarray, y: np.ndarray, extent: np.ndarray) -> np.ndarray:
    """The heart: a disc left of the midline and forward, present in the lower half of the lungs."""
    size = np.sin(np.pi * np.clip((extent - 0.38) / 0.62, 0, 1)) * 0.42 * anatomy.body_half_width
    centre_x, centre_y = 0.12 * anatomy.body_half_width, -0.22 * anatomy.body_half_depth
    return (x - centre_x) ** 2 + (y - centre_y) ** 2 < size**2
