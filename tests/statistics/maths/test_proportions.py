"""Wilson intervals and rates: by hand, from Newcombe's published table, and against scipy."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from screening.statistics.maths.proportions import (
    normal_quantile_two_sided,
    proportion,
    rate_per_thousand,
    wilson_interval,
)


def test_the_wilson_interval_of_8_out_of_10_computed_by_hand():
    z = 1.959964
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z / (1 + z * z / 10) * math.sqrt(0.8 * 0.2 / 10 + z * z / 400)
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(centre - half, abs=1e-6) == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(centre + half, abs=1e-6) == pytest.approx(0.9433, abs=1e-4)


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score).
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_the_wilson_interval_matches_newcombes_published_values(successes, trials, low, high):
    assert wilson_interval(successes, trials) == pytest.approx((low, high), abs=1e-4)


@given(trials=st.integers(1, 5000), data=st.data(), level=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_the_wilson_interval_agrees_with_scipy_and_holds_the_share(trials, data, level):
    successes = data.draw(st.integers(0, trials))
    low, high = wilson_interval(successes, trials, level=level)
    reference = binomtest(successes, trials).proportion_ci(confidence_level=level, method="wilson")
    assert (low, high) == pytest.approx((reference.low, reference.high), abs=1e-9)
    assert 0.0 <= low <= successes / trials <= high <= 1.0


def test_the_bounds_at_none_and_all_are_exactly_zero_and_one():
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0


def test_z_for_95_percent():
    assert normal_quantile_two_sided(0.95) == pytest.approx(1.959964, abs=1e-6)


def test_a_rate_per_thousand_scales_the_share_and_its_interval():
    rate = rate_per_thousand(7, 1000)
    low, high = wilson_interval(7, 1000)
    assert (rate.value, rate.low, rate.high) == pytest.approx((7.0, 1000 * low, 1000 * high))
    assert (rate.numerator, rate.denominator, rate.per) == (7, 1000, 1000)


def test_a_proportion_of_nothing_has_no_value():
    empty = proportion(0, 0)
    assert (empty.value, empty.low, empty.high) == (None, None, None)


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [(5, 3, "exceeds"), (-1, 3, "count"), (1.5, 3, "count"), (True, 3, "count"), (1, -2, "count")],
)
def test_what_is_not_a_count_out_of_a_total_is_refused(numerator, denominator, message):
    with pytest.raises(ValueError, match=message):
        proportion(numerator, denominator)


def test_a_level_outside_zero_and_one_and_a_rate_per_nobody_are_refused():
    with pytest.raises(ValueError, match="level"):
        wilson_interval(1, 2, level=95)
    with pytest.raises(ValueError, match="per"):
        proportion(1, 2, per=0)
    with pytest.raises(ValueError, match="denominator is 0"):
        wilson_interval(0, 0)
