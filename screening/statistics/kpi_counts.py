"""The counts behind every KPI, as grouped aggregates in the database (one query per source).

Two sources, each grouped by the keys asked for (month, round, age band, vendor, campaign, site,
programme): the counts per campaign, month, round and age band (`KpiMonthCounts`: invitations by
the month of the invitation, screening by the month of the images), a few thousand rows for a
million episodes, and today's backlog (the waiting episodes' facts, by the day of the images).
Totals over some keys are sums of the groups' counts, added up in Python over the handful of
groups, never over episodes.
"""

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum

from screening.statistics.episode_facts import cohort_filtered
from screening.statistics.kpi_facts_services import COUNT_NAMES as MONTH_COUNT_NAMES
from screening.statistics.kpi_scope import KpiFilters, campaign_scoped
from screening.statistics.models import EpisodeKpiFacts, KpiMonthCounts

# A breakdown's name -> the column it groups by.
GROUP_COLUMNS = {
    "programme": "campaign__programme__code",
    "campaign": "campaign_id",
    "site": "campaign__site",
    "month": "month",
    "round": "screening_round",
    "age_band": "age_band",
    "vendor": "vendor",
}
MONTH_COUNTS = {name: Sum(name) for name in MONTH_COUNT_NAMES}
COUNT_NAMES = (*MONTH_COUNT_NAMES, "waiting")


@dataclass
class GroupCounts:
    """One group's counts: its key (one value per breakdown asked for) and what was counted."""

    key: tuple[Any, ...]
    counts: Counter[str] = field(default_factory=Counter)


@contextmanager
def without_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiler costs more time compiling these small grouped queries than
    running them: off for this transaction only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _grouped(queryset: Any, keys: Sequence[str], aggregates: dict[str, Any]) -> Iterable[dict[str, Any]]:
    columns = [GROUP_COLUMNS[key] for key in keys]
    return queryset.order_by().values(*columns).annotate(**aggregates).values(*columns, *aggregates)


def month_counts(*, user: Any, filters: KpiFilters) -> Any:
    """The counts' rows of the user's campaigns, narrowed by every filter (months inclusive)."""
    rows: Any = campaign_scoped(KpiMonthCounts.objects.all(), user=user, filters=filters)
    if filters.month_from:
        rows = rows.filter(month__gte=filters.month_from)
    if filters.month_to:
        rows = rows.filter(month__lte=filters.month_to)
    return cohort_filtered(rows, filters)


def waiting_facts(*, user: Any, filters: KpiFilters) -> Any:
    """The facts of the imaged episodes waiting for their result today (the backlog has no month)."""
    facts = campaign_scoped(EpisodeKpiFacts.objects.filter(waiting=True), user=user, filters=filters)
    return cohort_filtered(facts, filters)


def kpi_counts(*, user: Any, filters: KpiFilters, keys: Sequence[str]) -> list[GroupCounts]:
    """Invitations, screening and backlog counts per group of `keys`, in two grouped queries."""
    groups: dict[tuple[Any, ...], GroupCounts] = {}
    columns = [GROUP_COLUMNS[key] for key in keys]

    def add(rows: Iterable[dict[str, Any]], names: Iterable[str]) -> None:
        for row in rows:
            key = tuple(row[column] for column in columns)
            group = groups.setdefault(key, GroupCounts(key))
            for name in names:
                group.counts[name] += int(row[name] or 0)

    with without_jit():
        add(_grouped(month_counts(user=user, filters=filters), keys, MONTH_COUNTS), MONTH_COUNTS)
        if "month" not in keys:  # the backlog is today's: it has no month
            waiting = {"waiting": Count("pk")}
            add(_grouped(waiting_facts(user=user, filters=filters), keys, waiting), waiting)
    return sorted(groups.values(), key=lambda group: tuple(str(part) for part in group.key))


def counts_total(groups: Iterable[GroupCounts]) -> Counter[str]:
    """The counts of several groups added up."""
    total: Counter[str] = Counter({name: 0 for name in COUNT_NAMES})
    for group in groups:
        total.update(group.counts)
    return total


def waiting_by_day(*, user: Any, filters: KpiFilters) -> list[tuple[date, int]]:
    """Today's backlog as (day of the images, how many waiting), oldest first."""
    facts = waiting_facts(user=user, filters=filters)
    rows = facts.order_by().values("imaged_on").annotate(n=Count("pk")).order_by("imaged_on")
    with without_jit():
        return [(row["imaged_on"], row["n"]) for row in rows]
