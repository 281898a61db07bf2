"""Today's backlog (imaged episodes waiting for a result), its age, and the 14-day breach forecast.

The ages come from one grouped query (how many waiting per day of images), the throughput from
another (results issued by reads per day over the last 14 days, days without results as 0); the
forecast itself is `maths.breach_forecast`. Every count leaves disclosed.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from screening.statistics.episode_facts import results_issued_by_reads
from screening.statistics.kpi_counts import waiting_by_day
from screening.statistics.kpi_scope import KpiFilters, episodes_in_scope
from screening.statistics.maths.breach_forecast import breach_forecast
from screening.statistics.maths.disclosure import count_is_small, disclosed

THROUGHPUT_DAYS = 14
AGE_BANDS_DAYS = ((0, 7, "0-7 days"), (8, 14, "8-14 days"), (15, None, "over 14 days"))


@dataclass(frozen=True)
class BacklogSummary:
    """The backlog as an auditor may see it: counts disclosed, the oldest age hidden when few wait."""

    today: date
    waiting: int | str
    by_age: tuple[tuple[str, int | str], ...]
    oldest_days: int | None
    daily_throughput: tuple[tuple[date, int | str], ...]
    mean_daily_results: float | None
    already_breached: int | str
    forecast_breaches: int | str
    forecast_breaches_low: int | str
    forecast_breaches_high: int | str
    days_to_clear: float | None
    breaches_by_day: tuple[tuple[date, int | str], ...]


def daily_results(*, user: Any, filters: KpiFilters, today: date) -> list[tuple[date, int]]:
    """Results issued by reads on each of the last THROUGHPUT_DAYS days before today (0 when none)."""
    since = today - timedelta(days=THROUGHPUT_DAYS)
    episodes = episodes_in_scope(user=user, filters=filters)
    rows = (
        results_issued_by_reads(episodes)
        .filter(occurred_at__gte=_day_start(since), occurred_at__lt=_day_start(today))  # by the index
        .annotate(day=TruncDate("occurred_at"))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    counts = dict(rows)
    return [
        (since + timedelta(days=i), counts.get(since + timedelta(days=i), 0)) for i in range(THROUGHPUT_DAYS)
    ]


def _day_start(day: date) -> datetime:
    """Midnight at the start of the day, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def ages_from_days(waiting: list[tuple[date, int]], today: date) -> np.ndarray:
    """One age in whole days per waiting episode, from the count per day of images."""
    if not waiting:
        return np.zeros(0)
    ages = np.array([(today - day).days for day, _ in waiting], dtype=np.float64)
    return np.repeat(ages, [count for _, count in waiting])


def backlog_summary(*, user: Any, filters: KpiFilters, today: date | None = None) -> BacklogSummary:
    """The backlog's size and age bands, the recent throughput and the forecast of 14-day breaches."""
    today = today or timezone.localdate()
    waiting = waiting_by_day(user=user, filters=filters)
    ages = ages_from_days(waiting, today)
    throughput = daily_results(user=user, filters=filters, today=today)
    forecast = breach_forecast(ages, [count for _, count in throughput])
    by_age = tuple(
        (label, disclosed(int(((ages >= low) & (ages <= (high if high is not None else np.inf))).sum())))
        for low, high, label in AGE_BANDS_DAYS
    )
    few = count_is_small(len(ages))
    return BacklogSummary(
        today=today,
        waiting=disclosed(len(ages)),
        by_age=by_age,
        oldest_days=None if few else int(ages.max()),
        daily_throughput=tuple((day, disclosed(count)) for day, count in throughput),
        mean_daily_results=None
        if count_is_small(sum(c for _, c in throughput))
        else forecast.daily_throughput,
        already_breached=disclosed(forecast.already_breached),
        forecast_breaches=disclosed(forecast.forecast_breaches),
        forecast_breaches_low=disclosed(forecast.forecast_breaches_low),
        forecast_breaches_high=disclosed(forecast.forecast_breaches_high),
        days_to_clear=None if few else forecast.days_to_clear,
        breaches_by_day=tuple(
            (today + timedelta(days=day), disclosed(count))
            for day, count in enumerate(forecast.breaches_by_day)
        ),
    )
