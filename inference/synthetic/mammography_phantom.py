"""A 2-D breast phantom per mammography view, with optional lesions at known positions.

Every view is built in a "left" frame (chest wall at column 0, nipple to the right) and mirrored
for right views, so right images have the chest wall on the right edge as in the standard hanging
(DICOM PatientOrientation ``P\\L`` / ``P\\FL`` for right, ``A\\R`` / ``A\\FR`` for left). Pixel
values are MONOCHROME2 "for presentation": brighter means more attenuating tissue.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import distance_transform_edt

from inference.synthetic.noise_fields import power_law_noise

VIEWS = ("R-CC", "L-CC", "R-MLO", "L-MLO")
SMALL_SHAPE = (512, 416)
FULL_SHAPE = (2294, 1914)
FIELD_HEIGHT_MM = 229.4
DENSITIES = ("a", "b", "c", "d")
DENSITY_GLAND_FRACTION = {"a": 0.08, "b": 0.25, "c": 0.5, "d": 0.75}
ROUND_MASS = "round_mass"
SPICULATED_MASS = "spiculated_mass"
CALCIFICATION_CLUSTER = "calcification_cluster"
LESION_KINDS = (ROUND_MASS, SPICULATED_MASS, CALCIFICATION_CLUSTER)

_EDGE_FALL_OFF_MM = 14.0
_MU_FAT, _MU_GLAND, _MU_PECTORAL = 0.45, 1.0, 0.92
_BACKGROUND, _SCALE = 0.03, 0.5

Profile = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class BreastAnatomy:
    """One participant's breast shape and density, shared by the four views."""

    density: str
    depth: float
    half_height: float
    mlo_bottom: float
    pectoral_width: float
    pectoral_length: float
    wobble: tuple[float, float, float, float]


@dataclass(frozen=True)
class MammoLesion:
    """A lesion in one breast: `depth` 0 at the chest wall to 1 at the skin, offsets -1..1 across."""

    kind: str
    laterality: str
    depth: float
    offset_cc: float
    offset_mlo: float
    diameter_mm: float
    contrast: float
    shape_seed: int


@dataclass(frozen=True)
class MammoView:
    """A rendered view: uint16 MONOCHROME2 pixels and the breast mask."""

    view: str
    pixels: np.ndarray
    pixel_spacing_mm: float
    bits_stored: int
    breast_mask: np.ndarray


def breast_anatomy_sample(rng: np.random.Generator, density: str | None = None) -> BreastAnatomy:
    """A plausible breast: size, MLO outline, pectoral muscle and BI-RADS density (a-d)."""
    chosen = density or str(rng.choice(DENSITIES, p=[0.1, 0.4, 0.4, 0.1]))
    return BreastAnatomy(
        density=chosen,
        depth=float(rng.uniform(0.55, 0.78)),
        half_height=float(rng.uniform(0.36, 0.46)),
        mlo_bottom=float(rng.uniform(0.82, 0.95)),
        pectoral_width=float(rng.uniform(0.3, 0.5)),
        pectoral_length=float(rng.uniform(0.3, 0.55)),
        wobble=(
            float(rng.uniform(0, 0.025)),
            float(rng.uniform(0, 2 * np.pi)),
            float(rng.uniform(0, 0.01)),
            float(rng.uniform(0, 2 * np.pi)),
        ),
    )


def pixel_spacing_mm(shape: tuple[int, int]) -> float:
    """Square pixels: the field height is fixed, so smaller images have larger pixels."""
    return FIELD_HEIGHT_MM / shape[0]


def _outline_depth(anatomy: BreastAnatomy, position: str, shape: tuple[int, int]) -> np.ndarray:
    """How far the breast reaches from the chest wall on each row, in pixels (0 where it is absent)."""
    rows, cols = shape
    t = (np.arange(rows) + 0.5) / rows
    if position == "CC":
        v = (t - 0.5) / anatomy.half_height
        base = np.sqrt(np.clip(1 - v**2, 0, None))
    else:
        u = t / anatomy.mlo_bottom
        upper = 0.35 + 0.65 * np.sqrt(np.clip(1 - ((u - 0.55) / 0.55) ** 2, 0, None))
        lower = np.sqrt(np.clip(1 - ((u - 0.55) / 0.45) ** 2, 0, None))
        base = np.where(u < 0.55, upper, lower) * (u < 1)
    a1, p1, a2, p2 = anatomy.wobble
    ripple = 1 + a1 * np.sin(4 * np.pi * t + p1) + a2 * np.sin(10 * np.pi * t + p2)
    return base * ripple * anatomy.depth * cols


def _pectoral_depth(anatomy: BreastAnatomy, position: str, shape: tuple[int, int]) -> np.ndarray:
    """How far the pectoral muscle reaches from the chest wall on each row (MLO only), in pixels."""
    rows, cols = shape
    if position == "CC":
        return np.zeros(rows)
    t = (np.arange(rows) + 0.5) / rows
    remaining = np.clip(1 - t / anatomy.pectoral_length, 0, None)
    return anatomy.pectoral_width * anatomy.depth * cols * remaining**0.8


def _centre_left_frame(
    anatomy: BreastAnatomy, position: str, lesion: MammoLesion, shape: tuple[int, int]
) -> tuple[float, float]:
    """The lesion centre (row, col) with the chest wall at column 0."""
    rows = shape[0]
    if position == "CC":
        row = rows * (0.5 + lesion.offset_cc * 0.6 * anatomy.half_height)
    else:
        row = rows * anatomy.mlo_bottom * (0.5 + 0.3 * lesion.offset_mlo)
    index = min(int(row), rows - 1)
    reach = _outline_depth(anatomy, position, shape)[index]
    pectoral = _pectoral_depth(anatomy, position, shape)[index]
    return row, float(pectoral + lesion.depth * (reach - pectoral))


def lesion_centre_px(
    anatomy: BreastAnatomy, view: str, lesion: MammoLesion, shape: tuple[int, int] = SMALL_SHAPE
) -> tuple[float, float]:
    """Where the lesion's centre lies in the displayed view, as (row, col) in pixels."""
    row, col = _centre_left_frame(anatomy, view[2:], lesion, shape)
    return (row, shape[1] - 1 - col) if view[0] == "R" else (row, col)


def _round_mass(radius: float, rng: np.random.Generator) -> Profile:
    """A smooth, slightly oval and lobulated mass, shaded like a projected sphere."""
    elongation, angle, lobes = rng.uniform(0.75, 1.0), rng.uniform(0, np.pi), rng.uniform(0, 0.08)

    def profile(dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
        x = dx * np.cos(angle) + dy * np.sin(angle)
        y = (-dx * np.sin(angle) + dy * np.cos(angle)) / elongation
        edge = radius * (1 + lobes * np.sin(3 * np.arctan2(y, x) + angle))
        return np.clip(1 - (np.hypot(x, y) / edge) ** 2, 0, None) ** 0.5

    return profile


def _spiculated_mass(radius: float, rng: np.random.Generator) -> Profile:
    """An irregular core with thin radiating spicules about twice as long as the core radius."""
    count = int(rng.integers(8, 17))
    angles = rng.uniform(0, 2 * np.pi, count)
    lengths = radius * rng.uniform(1.5, 2.6, count)
    width = max(0.7, 0.08 * radius)
    harmonics = rng.uniform(0, 0.15, 3), rng.uniform(0, 2 * np.pi, 3)

    def profile(dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
        r, theta = np.hypot(dx, dy), np.arctan2(dy, dx)
        edge = radius * (
            1 + sum(a * np.sin((k + 3) * theta + p) for k, (a, p) in enumerate(zip(*harmonics, strict=True)))
        )
        core = np.clip(1 - (r / edge) ** 2, 0, None) ** 0.5
        delta = theta[..., None] - angles
        across = r[..., None] * np.abs(np.sin(delta))
        along = np.clip(1 - r[..., None] / lengths, 0, None) * (np.cos(delta) > 0)
        spicules = (0.55 * np.exp(-((across / width) ** 2)) * along).max(axis=-1)
        return np.maximum(core, spicules)

    return profile


def _calcification_cluster(radius: float, spacing: float, rng: np.random.Generator) -> Profile:
    """5-20 specks of 0.2-0.7 mm in an elongated cluster; specks below a pixel lose peak brightness."""
    count = int(rng.integers(5, 21))
    angle = rng.uniform(0, np.pi)
    along, across = rng.uniform(-1, 1, count) * radius, rng.uniform(-0.45, 0.45, count) * radius
    ys, xs = along * np.sin(angle) + across * np.cos(angle), along * np.cos(angle) - across * np.sin(angle)
    speck_radius = rng.uniform(0.1, 0.35, count) / spacing
    sigma = np.maximum(speck_radius / np.sqrt(2), 0.6)
    peak = np.minimum(1.0, speck_radius**2 / (2 * sigma**2))

    def profile(dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
        distance_sq = (dy[..., None] - ys) ** 2 + (dx[..., None] - xs) ** 2
        return (peak * np.exp(-distance_sq / (2 * sigma**2))).sum(axis=-1)

    return profile


def _lesion_profile(lesion: MammoLesion, spacing: float) -> tuple[Profile, float]:
    """The lesion's shape function and how far (in pixels) it reaches from its centre."""
    rng = np.random.default_rng(lesion.shape_seed)
    radius = lesion.diameter_mm / 2 / spacing
    if lesion.kind == SPICULATED_MASS:
        return _spiculated_mass(radius, rng), 2.7 * radius + 2
    if lesion.kind == CALCIFICATION_CLUSTER:
        return _calcification_cluster(radius, spacing, rng), 1.2 * radius + 4
    return _round_mass(radius, rng), 1.2 * radius + 2


def _add_lesion(factor: np.ndarray, centre: tuple[float, float], lesion: MammoLesion, spacing: float) -> None:
    """Raise the attenuation factor by `contrast` times the lesion's profile around its centre."""
    profile, reach = _lesion_profile(lesion, spacing)
    rows, cols = factor.shape
    top, bottom = max(int(centre[0] - reach), 0), min(int(centre[0] + reach) + 2, rows)
    left, right = max(int(centre[1] - reach), 0), min(int(centre[1] + reach) + 2, cols)
    if top >= bottom or left >= right:
        return
    dy = np.arange(top, bottom, dtype=np.float32)[:, None] - centre[0]
    dx = np.arange(left, right, dtype=np.float32)[None, :] - centre[1]
    dy, dx = np.broadcast_arrays(dy, dx)
    factor[top:bottom, left:right] += lesion.contrast * profile(dy, dx)


def _gland_fraction(
    anatomy: BreastAnatomy, reach: np.ndarray, mask: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Fibroglandular fraction 0..1: 1/f^3 texture, denser behind the nipple, mean set by density."""
    rows, cols = mask.shape
    texture = power_law_noise((rows, cols), 3.0, rng, stretch=(1.0, 1.8))
    texture += 0.25 * power_law_noise((rows, cols), 1.8, rng)
    along = np.arange(cols)[None, :] / np.maximum(reach, 1)[:, None]
    breast_rows = np.flatnonzero(reach > 0)
    middle = breast_rows.mean() if breast_rows.size else rows / 2
    across = (np.arange(rows)[:, None] - middle) / max(breast_rows.size / 2, 1)
    envelope = np.exp(-(((along - 0.45) / 0.35) ** 2) - (across / 0.7) ** 2)
    score = texture + 1.5 * envelope
    target = DENSITY_GLAND_FRACTION[anatomy.density]
    threshold = np.quantile(score[mask], 1 - target) if mask.any() else 0.0
    return 1 / (1 + np.exp(-(score - threshold) / 0.6))


def _attenuation(
    anatomy: BreastAnatomy, position: str, shape: tuple[int, int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tissue attenuation (breast, pectoral muscle), the breast mask and the distance to the skin in mm."""
    spacing = pixel_spacing_mm(shape)
    reach = _outline_depth(anatomy, position, shape)
    columns = np.arange(shape[1])[None, :]
    mask = columns < reach[:, None]
    to_skin_mm = distance_transform_edt(mask, sampling=spacing).astype(np.float32)
    thickness = np.sqrt(1 - (1 - np.clip(to_skin_mm / _EDGE_FALL_OFF_MM, 0, 1)) ** 2)
    gland = _gland_fraction(anatomy, reach, mask, rng)
    fine = power_law_noise(shape, 2.2, rng, stretch=(1.0, 2.5))
    tissue = _MU_FAT + (_MU_GLAND - _MU_FAT) * gland + 0.03 * fine
    pectoral = _pectoral_depth(anatomy, position, shape)[:, None]
    muscle = 1 / (1 + np.exp(-(pectoral - columns) * spacing / 1.5)) * (pectoral > 0)
    tissue = tissue * (1 - muscle) + (_MU_PECTORAL + 0.02 * fine) * muscle
    return thickness * tissue, mask, to_skin_mm


def render_view(
    anatomy: BreastAnatomy,
    view: str,
    rng: np.random.Generator,
    *,
    lesions: Sequence[MammoLesion] = (),
    shape: tuple[int, int] = SMALL_SHAPE,
    bits_stored: int = 12,
) -> MammoView:
    """Render one view (R-CC, L-CC, R-MLO, L-MLO) with the lesions of that breast."""
    if view not in VIEWS:
        raise ValueError(f"Unknown mammography view {view!r}")
    texture_rng, noise_rng = rng.spawn(2)
    spacing = pixel_spacing_mm(shape)
    signal, mask, to_skin_mm = _attenuation(anatomy, view[2:], shape, texture_rng)
    factor = np.ones(shape, dtype=np.float32)
    for lesion in lesions:
        if lesion.laterality == view[0]:
            _add_lesion(factor, _centre_left_frame(anatomy, view[2:], lesion, shape), lesion, spacing)
    signal = signal * factor + 0.25 * np.exp(-(((to_skin_mm - 0.7) / 0.5) ** 2)) * mask
    pixels = _detector(signal, bits_stored, noise_rng)
    if view[0] == "R":
        pixels, mask = np.fliplr(pixels), np.fliplr(mask)
    return MammoView(view, np.ascontiguousarray(pixels), spacing, bits_stored, np.ascontiguousarray(mask))


def _detector(signal: np.ndarray, bits_stored: int, rng: np.random.Generator) -> np.ndarray:
    """Map attenuation to detector values with quantum and electronic noise, as uint16."""
    top = 2**bits_stored - 1
    ideal = top * (_BACKGROUND + _SCALE * signal)
    gain = top / 4095
    noise = np.sqrt(0.5 * gain * ideal + (3 * gain) ** 2) * rng.standard_normal(
        signal.shape, dtype=np.float32
    )
    return np.clip(np.rint(ideal + noise), 0, top).astype(np.uint16)
