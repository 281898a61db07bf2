"""The comparison's figures from the paired scores (no database): paired AUC difference, band
agreement (kappa and the 3x3 table of band shifts), the binned score scatter and each model's high
band against the known outcomes, every count under 5 suppressed as on the other auditor pages."""

from dataclasses import dataclass, field

import numpy as np

from screening.statistics.maths.agreement import KappaEstimate, cohen_kappa_from_table
from screening.statistics.maths.disclosure import DisclosedProportion, count_disclosed, disclosed
from screening.statistics.maths.proportions import proportion
from screening.statistics.maths.roc import PairedAucDifference, delong_paired_difference

BANDS = ("high", "intermediate", "low")
BAND_LABELS = {"high": "High", "intermediate": "Intermediate", "low": "Low"}
CANCER, NO_CANCER, UNKNOWN = "cancer", "none", "unknown"
SCATTER_BINS = 10


@dataclass
class PairedScores:
    """One row per study scored by both models: their scores and bands, and the episode's truth."""

    active_scores: list[float] = field(default_factory=list)
    shadow_scores: list[float] = field(default_factory=list)
    active_bands: list[str] = field(default_factory=list)
    shadow_bands: list[str] = field(default_factory=list)
    truth: list[str] = field(default_factory=list)  # CANCER, NO_CANCER or UNKNOWN

    def __len__(self) -> int:
        return len(self.truth)

    def add(self, active: tuple[float, str], shadow: tuple[float, str], truth: str) -> None:
        self.active_scores.append(active[0])
        self.active_bands.append(active[1])
        self.shadow_scores.append(shadow[0])
        self.shadow_bands.append(shadow[1])
        self.truth.append(truth)


@dataclass(frozen=True)
class ScatterCell:
    """One bin of the scatter: its left edge and its top edge in drawing units (y down, the shadow's
    score up), its size and count as shown."""

    x: float
    top: float
    size: float
    count: int | str
    shade: float  # 0..1, the cell's opacity


@dataclass(frozen=True)
class BandOutcome:
    """A model's high band among the known cancers (sensitivity of the flag) and among the known
    episodes without (the share flagged in vain)."""

    sensitivity: DisclosedProportion
    false_flags: DisclosedProportion


@dataclass(frozen=True)
class Comparison:
    studies: int
    cancers: int
    without_cancer: int
    unknown: int
    auc: PairedAucDifference
    kappa: KappaEstimate
    band_table: list[tuple[str, list[int | str]]]  # active band label, counts per shadow band
    scatter: list[ScatterCell]
    active_outcome: BandOutcome
    shadow_outcome: BandOutcome

    @property
    def shown_studies(self) -> int | str:
        return count_disclosed(self.studies)

    @property
    def shown_cancers(self) -> int | str:
        return count_disclosed(self.cancers)


def comparison_compute(pairs: PairedScores) -> Comparison:
    """Every figure of the comparison page from the paired rows."""
    truth = np.asarray(pairs.truth)
    known = truth != UNKNOWN
    cancer = truth[known] == CANCER
    active, shadow = np.asarray(pairs.active_scores, float), np.asarray(pairs.shadow_scores, float)
    table = band_table(pairs.active_bands, pairs.shadow_bands)
    return Comparison(
        studies=len(pairs),
        cancers=int(cancer.sum()),
        without_cancer=int((~cancer).sum()),
        unknown=int((~known).sum()),
        auc=delong_paired_difference(cancer, active[known], shadow[known]),
        kappa=cohen_kappa_from_table(table),
        band_table=[
            (BAND_LABELS[band], [count_disclosed(int(n)) for n in row])
            for band, row in zip(BANDS, table, strict=True)
        ],
        scatter=scatter_cells(active, shadow),
        active_outcome=band_outcome(np.asarray(pairs.active_bands)[known], cancer),
        shadow_outcome=band_outcome(np.asarray(pairs.shadow_bands)[known], cancer),
    )


def band_table(active_bands: list[str], shadow_bands: list[str]) -> np.ndarray:
    """Counts of (active band, shadow band), rows and columns high, intermediate, low."""
    index = {band: n for n, band in enumerate(BANDS)}
    table = np.zeros((len(BANDS), len(BANDS)), dtype=np.int64)
    for first, second in zip(active_bands, shadow_bands, strict=True):
        if first in index and second in index:
            table[index[first], index[second]] += 1
    return table


def scatter_cells(active: np.ndarray, shadow: np.ndarray, *, bins: int = SCATTER_BINS) -> list[ScatterCell]:
    """The scatter as a grid of counts (a point per study would show single studies): the non-empty
    bins, each shaded by its count, counts under 5 shown as "<5" at the lightest shade."""
    if not len(active):
        return []
    counts, _, _ = np.histogram2d(active, shadow, bins=bins, range=[[0.0, 1.0], [0.0, 1.0]])
    most = counts.max()
    size = 1.0 / bins
    cells = []
    for i, j in zip(*np.nonzero(counts), strict=True):
        n = int(counts[i, j])
        shown = count_disclosed(n)
        shade = 0.15 if isinstance(shown, str) else 0.15 + 0.85 * n / most
        cells.append(
            ScatterCell(x=i * size, top=1.0 - (j + 1) * size, size=size, count=shown, shade=round(shade, 3))
        )
    return cells


def band_outcome(bands: np.ndarray, cancer: np.ndarray) -> BandOutcome:
    high = bands == "high"
    return BandOutcome(
        sensitivity=disclosed(proportion(int((high & cancer).sum()), int(cancer.sum()))),
        false_flags=disclosed(proportion(int((high & ~cancer).sum()), int((~cancer).sum()))),
    )
