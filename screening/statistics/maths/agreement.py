"""Agreement of two readers (or a reader and the AI): Cohen's kappa with its interval, discordance.

Kappa: Cohen (1960), Educational and Psychological Measurement 20:37. Its large-sample standard
error (not the one under the null of no agreement): Fleiss, Cohen and Everitt (1969), Psychological
Bulletin 72:323, the formula statsmodels' cohens_kappa uses.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .proportions import LEVEL_95, Proportion, normal_quantile_two_sided, proportion


@dataclass(frozen=True)
class KappaEstimate:
    """Cohen's kappa, its standard error and normal interval (None where kappa is undefined)."""

    kappa: float | None
    standard_error: float | None
    low: float | None
    high: float | None
    observed_agreement: float | None
    expected_agreement: float | None
    pairs: int
    level: float = LEVEL_95


def cohen_kappa_from_table(table: ArrayLike, *, level: float = LEVEL_95) -> KappaEstimate:
    """Kappa of a square table of counts: rows the first rater's category, columns the second's.

    Undefined (None) without pairs, or when chance alone explains full agreement (both raters put
    everything in one category).
    """
    counts = np.asarray(table, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"an agreement table is square (k categories by k), not shape {counts.shape}")
    if (counts < 0).any() or (counts != np.round(counts)).any():
        raise ValueError("an agreement table holds counts (whole numbers >= 0)")
    pairs = int(counts.sum())
    if pairs == 0:
        return KappaEstimate(None, None, None, None, None, None, 0, level)
    shares = counts / pairs
    first, second = shares.sum(axis=1), shares.sum(axis=0)
    observed, expected = float(np.trace(shares)), float(first @ second)
    if expected >= 1.0:
        return KappaEstimate(None, None, None, None, observed, expected, pairs, level)
    kappa = (observed - expected) / (1 - expected)
    on_diagonal = float(np.diag(shares) @ (1 - (first + second) * (1 - kappa)) ** 2)
    spread = (second[:, None] + first[None, :]) ** 2  # [i, j]: (p.i + pj.)^2
    off_diagonal = (1 - kappa) ** 2 * float((shares * spread).sum() - np.trace(shares * spread))
    correction = (kappa - expected * (1 - kappa)) ** 2
    variance = max(0.0, on_diagonal + off_diagonal - correction) / (pairs * (1 - expected) ** 2)
    error = float(np.sqrt(variance))
    z = normal_quantile_two_sided(level)
    low, high = max(-1.0, kappa - z * error), min(1.0, kappa + z * error)
    return KappaEstimate(kappa, error, low, high, observed, expected, pairs, level)


def agreement_table(
    first: ArrayLike, second: ArrayLike, categories: Sequence[object] | None = None
) -> tuple[np.ndarray, list[object]]:
    """The k x k table of paired categories and its categories (sorted, unless given)."""
    a, b = np.asarray(first), np.asarray(second)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"one category from each rater per episode: shapes {a.shape} and {b.shape}")
    labels = list(categories) if categories is not None else sorted(set(a.tolist()) | set(b.tolist()))
    index = {label: position for position, label in enumerate(labels)}
    unknown = (set(a.tolist()) | set(b.tolist())) - set(index)
    if unknown:
        raise ValueError(f"categories outside those given: {sorted(map(str, unknown))}")
    table = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(table, ([index[x] for x in a.tolist()], [index[y] for y in b.tolist()]), 1)
    return table, labels


def cohen_kappa(
    first: ArrayLike,
    second: ArrayLike,
    *,
    categories: Sequence[object] | None = None,
    level: float = LEVEL_95,
) -> KappaEstimate:
    """Kappa of two raters' categories for the same episodes (e.g. recall/routine of reader and AI)."""
    table, _ = agreement_table(first, second, categories)
    return cohen_kappa_from_table(table, level=level)


def discordance(first: ArrayLike, second: ArrayLike, *, level: float = LEVEL_95) -> Proportion:
    """The share of episodes where the two raters' categories differ, with its Wilson interval."""
    a, b = np.asarray(first), np.asarray(second)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"one category from each rater per episode: shapes {a.shape} and {b.shape}")
    return proportion(int((a != b).sum()), len(a), level=level)
