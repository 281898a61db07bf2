"""The 14-day standard's breaches forecast from the backlog: by hand and against a day-by-day
simulation of the queue."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.statistics.maths.breach_forecast import breach_forecast, breaches_at_throughput

# Waiting episodes' ages in days since imaging; one (16 days) already past the standard.
AGES = [14, 13, 10, 3, 16]


def test_two_results_a_day_clear_the_backlog_in_time():
    # Oldest first: 16 and 14 today, 13 and 10 tomorrow (14 and 11 days old), 3 the day after.
    forecast = breach_forecast(AGES, [2, 2, 2])
    assert (forecast.waiting, forecast.already_breached, forecast.forecast_breaches) == (5, 1, 0)
    assert forecast.days_to_clear == pytest.approx(2.5)


def test_one_result_a_day_lets_two_breach_on_the_next_two_days():
    # 16 today; 14 tomorrow (15 days old: a breach); 13 on day 2 (15: a breach); 10 on day 3 (13).
    forecast = breach_forecast(AGES, [1, 1, 1])
    assert forecast.forecast_breaches == 2
    assert forecast.breaches_by_day[:4] == (0, 1, 1, 0)
    assert len(forecast.breaches_by_day) == 16


def test_with_nothing_read_every_waiting_episode_breaches_when_it_turns_fifteen_days_old():
    forecast = breach_forecast(AGES, [0, 0])
    assert forecast.forecast_breaches == 4
    assert [day for day, count in enumerate(forecast.breaches_by_day) if count] == [1, 2, 5, 12]
    assert forecast.days_to_clear is None


def test_the_range_comes_from_the_slow_and_fast_quartile_days():
    forecast = breach_forecast(AGES, [0, 1, 2, 3])  # quartiles 0.75 and 2.25, mean 1.5
    assert forecast.daily_throughput == 1.5
    assert forecast.forecast_breaches_high == breaches_at_throughput(AGES, 0.75).sum()
    assert forecast.forecast_breaches_low == breaches_at_throughput(AGES, 2.25).sum()
    assert forecast.forecast_breaches_low <= forecast.forecast_breaches <= forecast.forecast_breaches_high


def simulated_breaches(ages, rate, standard_days=14):
    """Day by day: read oldest first while the day's capacity lasts, then everyone waits a day."""
    queue, capacity, breaches, day = sorted(ages, reverse=True), 0.0, 0, 0
    queue = [age for age in queue]
    while queue and day <= standard_days + 1:
        capacity += rate
        while queue and capacity >= 1 - 1e-9:
            age = queue.pop(0)
            capacity -= 1
            breaches += age <= standard_days < age + day
        day += 1
    return breaches + sum(1 for age in queue if age <= standard_days)


@given(
    ages=st.lists(st.integers(0, 20), max_size=80),
    rate=st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 7.0, 25.0]),
)
def test_the_forecast_equals_a_day_by_day_simulation(ages, rate):
    assert breaches_at_throughput(ages, rate).sum() == simulated_breaches(ages, rate)


@pytest.mark.parametrize(
    ("ages", "throughput", "message"),
    [([1, -2], [1], "ages"), ([1], [], "at least one recent day"), ([1], [1, math.nan], "daily results")],
)
def test_bad_input_is_refused(ages, throughput, message):
    with pytest.raises(ValueError, match=message):
        breach_forecast(ages, throughput)


def test_an_empty_backlog_forecasts_nothing():
    forecast = breach_forecast([], [3])
    assert (forecast.waiting, forecast.forecast_breaches, forecast.days_to_clear) == (0, 0, 0.0)
    assert np.sum(forecast.breaches_by_day) == 0
