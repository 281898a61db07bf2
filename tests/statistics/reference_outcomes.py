"""The tests' Python reference for the SQL counts: the outcome KPIs' and the accuracy figures'
counts worked out from plain episode rows (`accuracy_rows.EpisodeRow`), one episode at a time,
the way the rules read in docs/statistics.md."""

from collections import defaultdict
from collections.abc import Sequence

from screening.outcomes.episode_truth import Truth, add_months
from screening.statistics.accuracy_counts import NEGATIVE, POSITIVE, UNKNOWN, Tally
from screening.statistics.accuracy_rows import EpisodeRow
from screening.statistics.outcome_fact_selectors import BandCounts, OutcomeCounts
from screening.statistics.outcome_kpis import INTERVAL_BANDS, OutcomeFigure, outcome_kpis_of_counts


def interval_band_counts(rows: Sequence[EpisodeRow], low: int, high: int) -> tuple[int, int, int]:
    """(interval cancers in the band, episodes whose band is observed, episodes not yet observed).

    A band is observed once follow-up reaches its end (screening date + `high` months); the
    programme's own interval caps it (lung: 12 months, so its later bands observe nobody).
    """
    cancers = observed = waiting = 0
    for row in rows:
        if low >= row.interval_months:
            continue
        end = min(high, row.interval_months)
        if row.follow_up_until < add_months(row.screened_on, end):
            waiting += 1
            continue
        observed += 1
        months = row.months_to_cancer
        if row.truth != Truth.INTERVAL_CANCER or months is None:
            continue
        last = end == row.interval_months  # the interval's last band ends on its last day, included
        if low <= months and (months <= end if last else months < end):
            cancers += 1
    return cancers, observed, waiting


def counts_of_rows(rows: Sequence[EpisodeRow]) -> OutcomeCounts:
    """The outcome KPIs' counts of episode rows (the SQL's `outcome_counts`, in Python: the tests'
    reference and the drill-down's)."""
    detected = [row for row in rows if row.truth == Truth.SCREEN_DETECTED]
    recalled = [row for row in rows if row.recalled]
    return OutcomeCounts(
        screened=len(rows),
        detected=len(detected),
        detected_invasive=sum(1 for row in detected if row.cancer_kind == "invasive"),
        detected_dcis=sum(1 for row in detected if row.cancer_kind == "dcis"),
        interval_cancers=sum(1 for row in rows if row.truth == Truth.INTERVAL_CANCER),
        recalled_unknown=sum(1 for row in recalled if row.truth == Truth.UNKNOWN),
        false_positive=sum(1 for row in recalled if row.truth == Truth.FALSE_POSITIVE),
        biopsied=sum(1 for row in rows if row.biopsied),
        negatives=sum(1 for row in rows if row.truth in (Truth.FALSE_POSITIVE, Truth.TRUE_NEGATIVE)),
        routine_unknown=sum(1 for row in rows if row.truth == Truth.UNKNOWN and not row.recalled),
        bands=tuple(BandCounts(*interval_band_counts(rows, low, high)) for low, high, _ in INTERVAL_BANDS),
    )


def outcome_kpis(rows: Sequence[EpisodeRow], *, programme: str = "") -> list[OutcomeFigure]:
    """Every outcome KPI of the rows (screened episodes with a routine or recall result)."""
    return outcome_kpis_of_counts(counts_of_rows(rows), programme=programme)


def truth_class(row: EpisodeRow) -> str:
    return {True: POSITIVE, False: NEGATIVE, None: UNKNOWN}[row.cancer]


def decision_tallies(rows: Sequence[EpisodeRow]) -> dict[str, Tally]:
    """Every decision's 2x2 table, read by read."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    names = {"first": "first_read", "second": "second_read", "arbitration": "arbitration"}
    for row in rows:
        cls = truth_class(row)
        tallies["final"].add(cls, row.recalled, 1)
        if row.ai_recall is not None:
            tallies["ai"].add(cls, row.ai_recall, 1)
        for read in row.reads:
            if read.recall is None:
                continue
            tallies[names[read.role]].add(cls, read.recall, 1)
            if read.role != "arbitration":
                tallies["aided" if read.ai_shown else "unaided"].add(cls, read.recall, 1)
    return dict(tallies)
