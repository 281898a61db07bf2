"""PSI, KS and chi-square against hand-computed values and scipy."""

import math

import numpy as np
import pytest
from scipy import stats

from screening.statistics.maths.drift import (
    bins_grouped,
    chi_square_two_samples,
    counts_grouped,
    ks_p_value,
    ks_statistic,
    ks_statistic_binned,
    population_stability_index,
    psi_level,
)


def test_psi_matches_a_hand_computed_value():
    # Shares 0.5/0.5 against 0.25/0.75: 0.25 ln 2 + (-0.25) ln(0.5/0.75) ... written out:
    expected = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert population_stability_index([50, 50], [25, 75]) == pytest.approx(expected)
    assert expected == pytest.approx(0.2747, abs=1e-4)


def test_psi_of_identical_shares_is_zero_whatever_the_counts():
    assert population_stability_index([10, 20, 70], [100, 200, 700]) == pytest.approx(0.0)


def test_psi_floors_an_empty_bin_instead_of_becoming_infinite():
    value = population_stability_index([50, 50, 0], [40, 40, 20])
    assert math.isfinite(value) and value > 0.25


def test_psi_levels_follow_the_common_cut_offs():
    assert [psi_level(v) for v in (0.05, 0.1, 0.25, 0.26)] == ["stable", "moderate", "moderate", "major"]


def test_binned_ks_equals_scipy_when_values_lie_on_the_bins():
    rng = np.random.default_rng(4)
    first, second = rng.integers(0, 10, 300), rng.integers(2, 10, 200)
    binned = ks_statistic_binned(np.bincount(first, minlength=10), np.bincount(second, minlength=10))
    reference = stats.ks_2samp(first, second).statistic
    assert binned == pytest.approx(reference)
    assert ks_statistic(first, second) == pytest.approx(reference)


def test_exact_ks_matches_scipy_on_continuous_samples():
    rng = np.random.default_rng(5)
    first, second = rng.normal(0, 1, 400), rng.normal(0.3, 1, 350)
    assert ks_statistic(first, second) == pytest.approx(stats.ks_2samp(first, second).statistic)


def test_ks_p_value_is_the_asymptotic_kolmogorov_tail():
    statistic, n, m = 0.12, 400, 350
    reference = stats.kstwobign.sf(statistic * math.sqrt(n * m / (n + m)))
    assert ks_p_value(statistic, n, m) == pytest.approx(reference, rel=1e-9)
    assert ks_p_value(0.001, 10, 10) == 1.0


def test_chi_square_matches_scipy_without_continuity_correction():
    baseline, current = [120, 60, 20], [40, 50, 10]
    statistic, degrees, p_value = chi_square_two_samples(baseline, current)
    reference = stats.chi2_contingency(np.array([baseline, current]), correction=False)
    assert (statistic, degrees) == (pytest.approx(reference.statistic), reference.dof)
    assert p_value == pytest.approx(reference.pvalue, rel=1e-9)


@pytest.mark.parametrize("statistic,degrees", [(0.5, 1), (3.0, 4), (40.0, 9), (150.0, 30)])
def test_chi_square_tail_matches_scipy_small_and_large(statistic, degrees):
    from screening.statistics.maths.drift import chi_square_survival

    assert chi_square_survival(statistic, degrees) == pytest.approx(
        stats.chi2.sf(statistic, degrees), rel=1e-8
    )


def test_chi_square_leaves_out_categories_empty_on_both_sides():
    assert chi_square_two_samples([10, 0, 5], [8, 0, 9])[1] == 1


def test_bins_grouped_merges_the_baseline_into_populated_near_deciles():
    baseline = np.zeros(100)
    baseline[:20] = 40  # most of the mass in the lowest scores
    baseline[20:] = 1
    groups = bins_grouped(baseline, groups=10)
    grouped = counts_grouped(baseline, groups)
    assert (grouped > 0).all() and len(grouped) <= 10
    assert np.all(np.diff(groups) >= 0)  # contiguous groups, in score order
    assert grouped.sum() == baseline.sum()
