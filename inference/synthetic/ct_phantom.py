"""A low-dose chest CT phantom in Hounsfield units, with optional lung nodules at known positions.

Stored values are HU + 1024 as uint16 (12 bits stored, RescaleSlope 1, RescaleIntercept -1024).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from inference.synthetic.chest_geometry import (
    SMALL_CT_SHAPE,
    ChestAnatomy,
    CtGrid,
    inside_heart,
    inside_lung,
    lung_ellipse,
    lung_extent,
)
from inference.synthetic.lung_vessels import vessel_fraction, vessel_tree
from inference.synthetic.noise_fields import power_law_noise

RESCALE_INTERCEPT = -1024
SOLID_NODULE = "solid_nodule"
PART_SOLID_NODULE = "part_solid_nodule"
GROUND_GLASS_NODULE = "ground_glass_nodule"
NODULE_KINDS = (SOLID_NODULE, PART_SOLID_NODULE, GROUND_GLASS_NODULE)
HU_AIR, HU_FAT, HU_SOFT_TISSUE, HU_LUNG, HU_BONE = -1000, -100, 40, -850, 700


@dataclass(frozen=True)
class CtNodule:
    """A nodule placed by lung-relative coordinates; `contrast` is HU above the lung around it."""

    kind: str
    side: int
    extent: float
    angle: float
    radial: float
    diameter_mm: float
    contrast: float
    shape_seed: int


@dataclass(frozen=True)
class CtVolume:
    """A rendered volume in HU (int16, slice/row/col) and its voxel geometry."""

    hu: np.ndarray
    grid: CtGrid

    @property
    def stored(self) -> np.ndarray:
        """The values written to DICOM: HU - RescaleIntercept, 12 bits."""
        return np.clip(self.hu.astype(np.int32) - RESCALE_INTERCEPT, 0, 4095).astype(np.uint16)


def nodule_centre_mm(anatomy: ChestAnatomy, grid: CtGrid, nodule: CtNodule) -> tuple[float, float, float]:
    """The nodule centre in patient mm (x, y, z), always in the lateral half of its lung."""
    level = anatomy.lung_top + nodule.extent * (anatomy.lung_bottom - anatomy.lung_top)
    cx, cy, ax, ay = (float(value) for value in lung_ellipse(anatomy, nodule.side, nodule.extent))
    room = max(0.0, 1 - (nodule.diameter_mm / 2 + 4) / max(min(ax, ay), 1.0))
    radial = nodule.radial * room
    x = cx + nodule.side * radial * ax * abs(np.cos(nodule.angle))
    y = cy + radial * ay * np.sin(nodule.angle)
    return float(x), float(y), float(grid.z_mm(level * grid.shape[0] - 0.5))


def nodule_centre_voxel(
    anatomy: ChestAnatomy, nodule: CtNodule, shape: tuple[int, int, int] = SMALL_CT_SHAPE
) -> tuple[float, float, float]:
    """The nodule centre as fractional (slice, row, col)."""
    grid = CtGrid(shape)
    return grid.voxel(*nodule_centre_mm(anatomy, grid, nodule))


def _coordinates(grid: CtGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Broadcastable x, y (mm) and level (0 top slice, 1 bottom) arrays for the whole volume."""
    level = grid.level(np.arange(grid.shape[0]))[:, None, None]
    ys = np.asarray(grid.y_mm(np.arange(grid.shape[1])))[None, :, None]
    xs = np.asarray(grid.x_mm(np.arange(grid.shape[2])))[None, None, :]
    return xs, ys, level


def _soft_tissues(anatomy: ChestAnatomy, grid: CtGrid, rng: np.random.Generator) -> np.ndarray:
    """Air, subcutaneous fat, muscle and organs, lungs with a gravity gradient, heart and trachea."""
    xs, ys, level = _coordinates(grid)
    extent = lung_extent(anatomy, level)
    a, b = anatomy.body_half_width, anatomy.body_half_depth
    wobble = 1 + 0.03 * np.sin(2 * np.pi * level * 1.3)
    body = (xs / (a * wobble)) ** 2 + (ys / b) ** 2 < 1
    inner = (xs / (a - anatomy.fat_mm)) ** 2 + (ys / (b - anatomy.fat_mm)) ** 2 < 1
    hu = np.where(body, HU_FAT, HU_AIR) + np.where(inner, HU_SOFT_TISSUE - HU_FAT, 0)
    lungs = inside_lung(anatomy, xs, ys, extent)
    texture = 12 * power_law_noise(grid.shape, 2.5, rng)
    lung_hu = HU_LUNG + 60 * (ys / b + 0.4) + texture
    hu = np.where(lungs, lung_hu, hu)
    hu = np.where(inside_heart(anatomy, xs, ys, extent) & inner, HU_SOFT_TISSUE, hu)
    trachea = (xs**2 + (ys + 0.15 * b) ** 2 < 9.0**2) & (extent < 0.35) & (level > 0.0)
    return np.where(trachea & inner, HU_AIR, hu).astype(np.float32)


def _bones(anatomy: ChestAnatomy, grid: CtGrid, hu: np.ndarray) -> None:
    """Spine (vertebral body and arch), sternum and ribs crossing each slice, in place."""
    xs, ys, level = _coordinates(grid)
    b, fat = anatomy.body_half_depth, anatomy.fat_mm
    spine_y = b - fat - 2.6 * anatomy.spine_radius
    radius_sq = xs**2 + (ys - spine_y) ** 2
    vertebra = radius_sq < anatomy.spine_radius**2
    cortex = vertebra & (radius_sq > (anatomy.spine_radius - 2.5) ** 2)
    arch = ((xs / 14) ** 2 + ((ys - spine_y - 1.7 * anatomy.spine_radius) / 10) ** 2 < 1) & (xs**2 > 36)
    hu[...] = np.where(vertebra | arch, 450, hu)
    hu[...] = np.where(cortex | arch, 950, hu)
    sternum = ((xs / 16) ** 2 + ((ys + b - fat - 9) / 6) ** 2 < 1) & (level > 0.12) & (level < 0.65)
    hu[...] = np.where(sternum, 600, hu)
    _ribs(anatomy, grid, hu)


def _ribs(anatomy: ChestAnatomy, grid: CtGrid, hu: np.ndarray) -> None:
    """Rib cross-sections on an ellipse inside the body wall, appearing and leaving slice by slice."""
    a, b = anatomy.body_half_width - anatomy.fat_mm - 9, anatomy.body_half_depth - anatomy.fat_mm - 9
    angles = np.concatenate([np.linspace(-2.6, -0.55, 7), np.linspace(0.55, 2.6, 7)])
    spacing = grid.pixel_spacing_mm
    ys = np.asarray(grid.y_mm(np.arange(grid.shape[1])))[:, None]
    xs = np.asarray(grid.x_mm(np.arange(grid.shape[2])))[None, :]
    for index in range(grid.shape[0]):
        z = float(grid.z_mm(index))
        for number, angle in enumerate(angles):
            phase = z / 34.0 + anatomy.rib_phase + 0.23 * number
            if np.sin(2 * np.pi * phase) < 0.15:
                continue
            centre_x, centre_y = a * np.sin(angle), -b * np.cos(angle)
            window = (np.abs(ys - centre_y) < 8 + spacing) & (np.abs(xs - centre_x) < 8 + spacing)
            rib = (((xs - centre_x) / 7.0) ** 2 + ((ys - centre_y) / 4.5) ** 2 < 1) & window
            hu[index] = np.where(rib, HU_BONE, hu[index])


def _add_nodule(
    anatomy: ChestAnatomy, grid: CtGrid, hu: np.ndarray, nodule: CtNodule, rng: np.random.Generator
) -> None:
    """Blend one nodule into the volume, averaging five sub-slices per slice for partial volume."""
    centre = np.asarray(nodule_centre_mm(anatomy, grid, nodule))
    radius = nodule.diameter_mm / 2
    lobes, phase = rng.uniform(0, 0.12), rng.uniform(0, 2 * np.pi)
    core = rng.uniform(0.35, 0.6) if nodule.kind == PART_SOLID_NODULE else 0.0
    k0, r0, c0 = grid.voxel(
        *(centre + np.array([-radius - 3, -radius - 3, radius + grid.slice_thickness_mm]))
    )
    k1, r1, c1 = grid.voxel(*(centre + np.array([radius + 3, radius + 3, -radius - grid.slice_thickness_mm])))
    box = tuple(
        slice(max(int(np.floor(low)), 0), min(int(np.ceil(high)) + 1, size))
        for low, high, size in zip((k0, r0, c0), (k1, r1, c1), grid.shape, strict=True)
    )
    offsets = (np.arange(5) - 2) / 5 * grid.slice_thickness_mm
    zs = np.asarray(grid.z_mm(np.arange(box[0].start, box[0].stop)))[:, None, None, None] + offsets
    ys = np.asarray(grid.y_mm(np.arange(box[1].start, box[1].stop)))[None, :, None, None]
    xs = np.asarray(grid.x_mm(np.arange(box[2].start, box[2].stop)))[None, None, :, None]
    dx, dy, dz = xs - centre[0], ys - centre[1], zs - centre[2]
    edge = radius * (1 + lobes * np.sin(3 * np.arctan2(dy, dx) + phase))
    distance = np.sqrt(dx**2 + dy**2 + dz**2)
    softness = 1.2 if nodule.kind == SOLID_NODULE else 2.0
    inside = 1 / (1 + np.exp((distance - edge) / (softness * 0.5)))
    solid = 1 / (1 + np.exp((distance - core * radius) / 0.6)) if core else 0.0
    level = HU_LUNG + nodule.contrast * inside
    level = level + (HU_SOFT_TISSUE - level) * solid
    region = hu[box]
    lifted = np.maximum(level.mean(axis=-1), region)
    hu[box] = np.where(lifted > region, lifted, region)


def render_volume(
    anatomy: ChestAnatomy,
    rng: np.random.Generator,
    *,
    nodules: Sequence[CtNodule] = (),
    shape: tuple[int, int, int] = SMALL_CT_SHAPE,
) -> CtVolume:
    """Render a low-dose chest CT: anatomy, vessels, nodules, then correlated quantum noise."""
    texture_rng, noise_rng = rng.spawn(2)
    grid = CtGrid(shape)
    hu = _soft_tissues(anatomy, grid, texture_rng)
    lungs = hu < -500
    vessels = vessel_fraction(grid, vessel_tree(anatomy, grid)) * lungs
    hu += (HU_SOFT_TISSUE - hu) * vessels
    _bones(anatomy, grid, hu)
    for nodule in nodules:
        _add_nodule(anatomy, grid, hu, nodule, np.random.default_rng(nodule.shape_seed))
    noise = gaussian_filter(noise_rng.standard_normal(shape, dtype=np.float32), sigma=(0, 0.8, 0.8))
    hu += noise * (anatomy.noise_hu / float(noise.std() or 1.0))
    return CtVolume(np.clip(np.rint(hu), -1024, 3071).astype(np.int16), grid)
