"""How many waiting episodes will miss the result standard (14 days from imaging to result).

From today's backlog (each waiting episode's age in days since imaging) and the results issued on
each recent calendar day. Assumptions, said on the page: the backlog is cleared oldest first at the
recent mean daily throughput, from today; episodes imaged after today are not counted (they join
the queue behind). The throughput's lower and upper quartile days give the range.
"""

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

RESULT_STANDARD_DAYS = 14  # NHS BSP: women receive their result within two weeks of screening


def days_checked(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or (array.size and (np.isnan(array).any() or (array < 0).any())):
        raise ValueError(f"the {name} are a flat list of numbers >= 0")
    return array


def breaches_at_throughput(
    ages_days: ArrayLike, daily_results: float, *, standard_days: int = RESULT_STANDARD_DAYS
) -> np.ndarray:
    """For each day from today (index 0) to standard_days + 1, the episodes that breach that day.

    An episode breaches on the day it turns standard_days + 1 days old without a result; one
    already past the standard is not counted here (it breached before today).
    """
    ages = np.sort(days_checked(ages_days, "ages"))[::-1]  # oldest first
    if daily_results < 0 or math.isnan(daily_results):
        raise ValueError(f"a throughput is a number of results per day >= 0, not {daily_results}")
    waiting = ages[ages <= standard_days]
    if daily_results > 0:
        # The k-th episode in the queue (0-based) gets its result on day ceil((k + 1) / rate) - 1.
        position = np.arange(len(ages))[ages <= standard_days] + 1
        result_day = np.ceil(position / daily_results - 1e-9) - 1
        waiting = waiting[waiting + result_day > standard_days]
    breach_day = (standard_days + 1 - np.floor(waiting)).astype(np.int64)
    return np.bincount(breach_day, minlength=standard_days + 2)


@dataclass(frozen=True)
class BreachForecast:
    """Breaches of the result standard expected from today's backlog.

    breaches_by_day[d]: episodes forecast to breach d days from today at the mean throughput.
    """

    waiting: int
    already_breached: int
    forecast_breaches: int  # not yet breached, forecast to breach at the mean throughput
    forecast_breaches_low: int  # at the upper-quartile throughput (a good day's pace)
    forecast_breaches_high: int  # at the lower-quartile throughput (a slow day's pace)
    daily_throughput: float
    days_to_clear: float | None  # None when nothing was read recently
    breaches_by_day: tuple[int, ...]
    standard_days: int


def breach_forecast(
    ages_days: ArrayLike, recent_daily_results: ArrayLike, *, standard_days: int = RESULT_STANDARD_DAYS
) -> BreachForecast:
    """Forecast the standard's breaches from the backlog's ages and the last days' results per day."""
    ages = days_checked(ages_days, "ages")
    throughput = days_checked(recent_daily_results, "daily results")
    if throughput.size == 0:
        raise ValueError("a forecast needs the results of at least one recent day")
    if standard_days < 0:
        raise ValueError(f"the standard is a number of days >= 0, not {standard_days}")
    mean = float(throughput.mean())
    slow, fast = (float(q) for q in np.percentile(throughput, [25, 75]))
    by_day = breaches_at_throughput(ages, mean, standard_days=standard_days)
    return BreachForecast(
        waiting=len(ages),
        already_breached=int((ages > standard_days).sum()),
        forecast_breaches=int(by_day.sum()),
        forecast_breaches_low=int(breaches_at_throughput(ages, fast, standard_days=standard_days).sum()),
        forecast_breaches_high=int(breaches_at_throughput(ages, slow, standard_days=standard_days).sum()),
        daily_throughput=mean,
        days_to_clear=len(ages) / mean if mean > 0 else None,
        breaches_by_day=tuple(int(count) for count in by_day),
        standard_days=standard_days,
    )
