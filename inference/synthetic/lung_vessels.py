"""A branching pulmonary vessel tree per lung, grown from the hilum and drawn as tapered tubes."""

from dataclasses import dataclass

import numpy as np

from inference.synthetic.chest_geometry import ChestAnatomy, CtGrid, inside_lung, lung_ellipse, lung_extent

_GENERATIONS = 8
_HILUM_EXTENT = 0.45
_TRUNKS = (
    (0.3, 0, 1),
    (0.3, 0.8, 0.6),
    (0.3, -0.8, 0.5),
    (0.5, 0.8, -0.6),
    (0.5, -0.8, -0.6),
    (0.6, 0.1, -1),
)


@dataclass(frozen=True)
class VesselSegment:
    """A straight piece of vessel between two points in patient mm, with its radius in mm."""

    start: tuple[float, float, float]
    end: tuple[float, float, float]
    radius: float


def _in_lung(anatomy: ChestAnatomy, grid: CtGrid, point: np.ndarray) -> bool:
    """Whether a point in patient mm lies inside a lung."""
    extent = lung_extent(anatomy, grid.level(-point[2] / grid.slice_thickness_mm))
    return bool(inside_lung(anatomy, np.asarray(point[0]), np.asarray(point[1]), np.asarray(extent)))


def _branch_direction(
    anatomy: ChestAnatomy,
    grid: CtGrid,
    start: np.ndarray,
    direction: np.ndarray,
    length: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """A direction that keeps roughly on course but turns towards lung still to be reached."""
    for _ in range(6):
        turned = direction + rng.normal(0, 0.75, 3)
        turned /= np.linalg.norm(turned) or 1.0
        if _in_lung(anatomy, grid, start + turned * length):
            return turned
    return turned


def vessel_tree(anatomy: ChestAnatomy, grid: CtGrid) -> list[VesselSegment]:
    """Segments of both lungs' trees: thick near the hilum, thinner and shorter at each branching."""
    rng = np.random.default_rng(anatomy.vessel_seed)
    level = anatomy.lung_top + _HILUM_EXTENT * (anatomy.lung_bottom - anatomy.lung_top)
    hilum_z = -(level * grid.shape[0] - 0.5) * grid.slice_thickness_mm
    segments: list[VesselSegment] = []
    for side in (-1, 1):
        cx, cy, ax, _ = lung_ellipse(anatomy, side, _HILUM_EXTENT)
        hilum = np.array([float(cx - side * 0.55 * ax), float(cy), hilum_z])
        for lateral, back, up in _TRUNKS:
            unit = np.array([side * lateral, back, up]) / np.linalg.norm([lateral, back, up])
            _grow(anatomy, grid, segments, hilum, unit, 4.5, 24.0, 0, rng)
    return segments


def _grow(
    anatomy: ChestAnatomy,
    grid: CtGrid,
    segments: list[VesselSegment],
    start: np.ndarray,
    direction: np.ndarray,
    radius: float,
    length: float,
    generation: int,
    rng: np.random.Generator,
) -> None:
    """Add one segment, shortened to stay in the lung, then two thinner children from its end."""
    end = start + direction * length
    while length > 3 and not _in_lung(anatomy, grid, end):
        length *= 0.6
        end = start + direction * length
    if length <= 3:
        return
    segments.append(VesselSegment(tuple(start), tuple(end), radius))
    if generation >= _GENERATIONS:
        return
    for _ in range(2):
        child_length = length * rng.uniform(0.65, 0.9)
        child = _branch_direction(anatomy, grid, end, direction, child_length, rng)
        _grow(anatomy, grid, segments, end, child, radius * 0.75, child_length, generation + 1, rng)


def vessel_fraction(grid: CtGrid, segments: list[VesselSegment]) -> np.ndarray:
    """How much of each voxel is vessel (0..1), with partial volume for thin vessels and thick slices."""
    fraction = np.zeros(grid.shape, dtype=np.float32)
    spacing, thickness = grid.pixel_spacing_mm, grid.slice_thickness_mm
    for segment in segments:
        start, end = np.asarray(segment.start), np.asarray(segment.end)
        blur = np.sqrt(segment.radius**2 + (0.5 * spacing) ** 2)
        amplitude = min(1.0, (segment.radius / blur) ** 2 * min(1.0, 2 * segment.radius / thickness + 0.6))
        low = np.minimum(start, end) - blur - thickness / 2
        high = np.maximum(start, end) + blur + thickness / 2
        k0, r0, c0 = grid.voxel(low[0], low[1], high[2])
        k1, r1, c1 = grid.voxel(high[0], high[1], low[2])
        box = tuple(
            slice(max(int(np.floor(a)), 0), min(int(np.ceil(b)) + 1, size))
            for a, b, size in zip((k0, r0, c0), (k1, r1, c1), grid.shape, strict=True)
        )
        if any(part.start >= part.stop for part in box):
            continue
        zs = grid.z_mm(np.arange(box[0].start, box[0].stop))[:, None, None]
        ys = grid.y_mm(np.arange(box[1].start, box[1].stop))[None, :, None]
        xs = grid.x_mm(np.arange(box[2].start, box[2].stop))[None, None, :]
        axis = end - start
        along = np.clip(
            ((xs - start[0]) * axis[0] + (ys - start[1]) * axis[1] + (zs - start[2]) * axis[2])
            / axis.dot(axis),
            0,
            1,
        )
        dx, dy = xs - start[0] - along * axis[0], ys - start[1] - along * axis[1]
        dz = np.maximum(np.abs(zs - start[2] - along * axis[2]) - thickness / 2, 0)
        profile = np.clip(1 - (dx**2 + dy**2 + dz**2) / blur**2, 0, None) ** 0.5 * amplitude
        np.maximum(fraction[box], profile.astype(np.float32), out=fraction[box])
    return fraction
