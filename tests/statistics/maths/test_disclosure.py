"""Disclosure control: counts under 5 shown as "<5", rates built on them suppressed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.statistics.maths.disclosure import (
    SUPPRESSED_COUNT,
    count_disclosed,
    count_is_small,
    disclosed,
)
from screening.statistics.maths.proportions import proportion, rate_per_thousand


@pytest.mark.parametrize(("count", "shown"), [(0, "<5"), (1, "<5"), (4, "<5"), (5, 5), (1234, 1234)])
def test_a_count_under_five_is_shown_as_less_than_five(count, shown):
    assert disclosed(count) == shown


def test_a_rate_on_a_small_numerator_is_suppressed_with_its_interval():
    shown = disclosed(rate_per_thousand(3, 2000))
    assert (shown.numerator, shown.denominator, shown.suppressed) == ("<5", 2000, True)
    assert (shown.value, shown.low, shown.high) == (None, None, None)
    assert shown.as_dict() == {
        "numerator": "<5",
        "denominator": 2000,
        "per": 1000,
        "value": None,
        "low": None,
        "high": None,
        "suppressed": True,
    }


def test_a_share_of_a_small_group_is_suppressed_even_with_no_events():
    shown = disclosed(proportion(0, 3))
    assert (shown.numerator, shown.denominator, shown.value, shown.suppressed) == ("<5", "<5", None, True)


def test_a_figure_on_large_enough_counts_is_shown_whole():
    figure = proportion(12, 40, per=100)
    shown = disclosed(figure)
    assert (shown.numerator, shown.denominator, shown.suppressed) == (12, 40, False)
    assert (shown.value, shown.low, shown.high) == (figure.value, figure.low, figure.high)


@given(numerator=st.integers(0, 50), extra=st.integers(0, 50))
def test_no_count_under_five_ever_comes_out(numerator, extra):
    shown = disclosed(proportion(numerator, numerator + extra))
    for count in (shown.numerator, shown.denominator):
        assert count == SUPPRESSED_COUNT or count >= 5
    assert shown.suppressed == (shown.value is None)


@pytest.mark.parametrize("count", [-1, 2.5, True])
def test_what_is_not_a_count_is_refused(count):
    with pytest.raises(ValueError, match="counts"):
        count_disclosed(count)


def test_the_small_count_rule_is_one_predicate():
    assert [count_is_small(n) for n in (0, 4, 5)] == [True, True, False]
