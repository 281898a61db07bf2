"""How lesions are drawn for a cohort: kinds by malignancy, sizes and contrasts from obvious to subtle.

Bands label each lesion so results can be broken down by how hard it is to see:
size "small" / "medium" / "large" and contrast "subtle" / "moderate" / "obvious".
"""

from dataclasses import dataclass

import numpy as np

from inference.synthetic.ct_phantom import GROUND_GLASS_NODULE, PART_SOLID_NODULE, SOLID_NODULE, CtNodule
from inference.synthetic.mammography_phantom import (
    CALCIFICATION_CLUSTER,
    ROUND_MASS,
    SPICULATED_MASS,
    MammoLesion,
)

SIZE_BANDS = ("small", "medium", "large")
CONTRAST_BANDS = ("subtle", "moderate", "obvious")
# Upper limits (mm) of the small and medium size bands; lung limits follow Lung-RADS (6 and 15 mm).
SIZE_BAND_LIMITS_MM = {"breast": (10.0, 20.0), "lung": (6.0, 15.0)}
# Upper limits of the subtle and moderate contrast bands: relative signal for MG, HU for CT.
CONTRAST_BAND_LIMITS = {
    ROUND_MASS: (0.12, 0.3),
    SPICULATED_MASS: (0.12, 0.3),
    CALCIFICATION_CLUSTER: (0.5, 0.8),
    SOLID_NODULE: (300.0, 600.0),
    PART_SOLID_NODULE: (300.0, 600.0),
    GROUND_GLASS_NODULE: (300.0, 600.0),
}
# Contrast ranges drawn from (log-uniform). The lower ends put about a fifth of the lesions in the
# subtle band, with roughly one in ten below what the breast texture lets any reader see: a share of
# occult lesions like the cancers a real screening round misses (its interval cancers), rather
# than a third of them invisible.
BREAST_CONTRAST_RANGE = {
    ROUND_MASS: (0.08, 0.7),
    SPICULATED_MASS: (0.08, 0.7),
    CALCIFICATION_CLUSTER: (0.35, 1.4),
}
_BREAST_KINDS = {
    True: ((SPICULATED_MASS, ROUND_MASS, CALCIFICATION_CLUSTER), (0.45, 0.25, 0.30)),
    False: ((ROUND_MASS, CALCIFICATION_CLUSTER), (0.65, 0.35)),
}
_LUNG_KINDS = {
    True: ((SOLID_NODULE, PART_SOLID_NODULE, GROUND_GLASS_NODULE), (0.5, 0.3, 0.2)),
    False: ((SOLID_NODULE, GROUND_GLASS_NODULE), (0.8, 0.2)),
}


@dataclass(frozen=True)
class SyntheticLesion:
    """A placed lesion (MG lesion or CT nodule) with its difficulty bands and whether it is malignant."""

    phantom: MammoLesion | CtNodule
    malignant: bool
    size_band: str
    contrast_band: str

    @property
    def kind(self) -> str:
        return self.phantom.kind


def _band(value: float, limits: tuple[float, float], names: tuple[str, str, str]) -> str:
    return names[0] if value < limits[0] else names[1] if value < limits[1] else names[2]


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _labelled(programme: str, phantom: MammoLesion | CtNodule, malignant: bool) -> SyntheticLesion:
    size = _band(phantom.diameter_mm, SIZE_BAND_LIMITS_MM[programme], SIZE_BANDS)
    contrast = _band(phantom.contrast, CONTRAST_BAND_LIMITS[phantom.kind], CONTRAST_BANDS)
    return SyntheticLesion(phantom, malignant, size, contrast)


def breast_lesion_sample(rng: np.random.Generator, malignant: bool) -> SyntheticLesion:
    """A mass or calcification cluster in one breast, 5-30 mm, contrast from subtle to obvious."""
    kinds, weights = _BREAST_KINDS[malignant]
    kind = str(rng.choice(kinds, p=weights))
    if kind == CALCIFICATION_CLUSTER:
        diameter, contrast = _log_uniform(rng, 4.0, 20.0), _log_uniform(rng, *BREAST_CONTRAST_RANGE[kind])
    else:
        diameter, contrast = _log_uniform(rng, 5.0, 30.0), _log_uniform(rng, *BREAST_CONTRAST_RANGE[kind])
    phantom = MammoLesion(
        kind=kind,
        laterality=str(rng.choice(("R", "L"))),
        depth=float(rng.uniform(0.25, 0.8)),
        offset_cc=float(rng.uniform(-1, 1)),
        offset_mlo=float(rng.uniform(-1, 1)),
        diameter_mm=round(diameter, 2),
        contrast=round(contrast, 4),
        shape_seed=int(rng.integers(2**31)),
    )
    return _labelled("breast", phantom, malignant)


def _nodule_contrast(kind: str, rng: np.random.Generator) -> float:
    """HU above the lung: solid nodules are soft tissue, part-solid and ground-glass much fainter."""
    if kind == SOLID_NODULE:
        return float(rng.uniform(820, 910))
    if kind == PART_SOLID_NODULE:
        return float(rng.uniform(250, 450))
    return float(rng.uniform(120, 400))


def lung_nodule_sample(rng: np.random.Generator, malignant: bool) -> SyntheticLesion:
    """A nodule of 4-30 mm (benign ones smaller), solid, part-solid or ground-glass."""
    kinds, weights = _LUNG_KINDS[malignant]
    kind = str(rng.choice(kinds, p=weights))
    diameter = _log_uniform(rng, 5.0, 30.0) if malignant else _log_uniform(rng, 4.0, 15.0)
    phantom = CtNodule(
        kind=kind,
        side=int(rng.choice((-1, 1))),
        extent=float(rng.uniform(0.15, 0.68)),
        angle=float(rng.uniform(-np.pi / 2, np.pi / 2)),
        radial=float(rng.uniform(0.0, 0.9)),
        diameter_mm=round(diameter, 2),
        contrast=round(_nodule_contrast(kind, rng), 1),
        shape_seed=int(rng.integers(2**31)),
    )
    return _labelled("lung", phantom, malignant)
