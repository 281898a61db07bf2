"""Outcome KPIs of a selection: cancer detection, PPV of recall, biopsy and interval cancer rates,
and for lung the Lung-RADS categories; each with its Wilson interval, disclosed, judged against
the programme's standards where they hold values, and with its unknowns beside it.

Unknowns (follow-up incomplete, assessment or pathology awaited) are never taken as negatives:
each figure says how many episodes it could not count yet (docs/statistics.md, "Accuracy").
"""

from collections.abc import Sequence
from dataclasses import dataclass

from screening.outcomes.episode_truth import Truth, add_months
from screening.statistics.accuracy_rows import EpisodeRow
from screening.statistics.kpi_selectors import STANDARDS, StandardJudgement
from screening.statistics.maths.disclosure import DisclosedProportion, disclosed
from screening.statistics.maths.proportions import proportion
from screening.statistics.maths.standards import ProgrammeStandard, standard_rag, standards_for
from screening.statistics.outcome_fact_selectors import BandCounts, OutcomeCounts

PER_THOUSAND, PERCENT = 1000, 100
INTERVAL_BANDS = ((0, 12, "0-12 months"), (12, 24, "12-24 months"), (24, 36, "24-36 months"))
LUNG_CATEGORIES = ("0", "1", "2", "3", "4A", "4B", "4X")


@dataclass(frozen=True)
class OutcomeFigure:
    """One outcome KPI: a disclosed share, the episodes it could not count yet, its standards."""

    measure: str
    name: str
    definition: str
    share: DisclosedProportion
    unknown: int | str
    standards: tuple[StandardJudgement, ...] = ()


def _level(threshold: object, unit: str) -> str:
    value = getattr(threshold, "value", 0.0)
    shown = f"{value * 100:g}%" if unit == "share" else f"{value:g}"
    return f"{getattr(threshold, 'comparison', '')} {shown}"


def _judged(measure: str, share: DisclosedProportion, programme: str) -> tuple[StandardJudgement, ...]:
    """The programme's standards for the measure (any round), with the figure's RAG in their unit."""
    if not programme:
        return ()
    found: list[ProgrammeStandard] = standards_for(
        STANDARDS, programme=programme, measure=measure, screening_round="any"
    )
    judgements = []
    for standard in found:
        figure = None
        if share.value is not None:
            figure = share.value / share.per if standard.unit == "share" else share.value * 1000 / share.per
        rag = standard_rag(standard, figure)
        judgements.append(
            StandardJudgement(
                standard.code,
                standard.name,
                _level(standard.acceptable, standard.unit),
                _level(standard.achievable, standard.unit),
                standard.source,
                standard.edition,
                rag.value if rag else None,
            )
        )
    return tuple(judgements)


def _figure(
    measure: str,
    name: str,
    definition: str,
    numerator: int,
    denominator: int,
    *,
    per: int,
    unknown: int,
    programme: str,
) -> OutcomeFigure:
    share = disclosed(proportion(numerator, denominator, per=per))
    return OutcomeFigure(
        measure, name, definition, share, disclosed(unknown), _judged(measure, share, programme)
    )


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


def outcome_kpis_of_counts(counts: OutcomeCounts, *, programme: str = "") -> list[OutcomeFigure]:
    """Every outcome KPI from its counts (`outcome_counts` in SQL, or `counts_of_rows`)."""
    screened = counts.screened
    recall_unknown = counts.recalled_unknown
    figures = [
        _figure(
            "cancer_detection_rate",
            "Cancer detection rate (per 1 000 screened)",
            "Screen-detected cancers (invasive or DCIS) per 1 000 screened episodes with a result",
            counts.detected,
            screened,
            per=PER_THOUSAND,
            unknown=recall_unknown,
            programme=programme,
        ),
        _figure(
            "invasive_detection_rate",
            "Invasive cancer detection rate (per 1 000)",
            "Screen-detected invasive cancers per 1 000 screened",
            counts.detected_invasive,
            screened,
            per=PER_THOUSAND,
            unknown=recall_unknown,
            programme=programme,
        ),
        _figure(
            "dcis_detection_rate",
            "DCIS detection rate (per 1 000)",
            "Screen-detected DCIS (no invasive component recorded) per 1 000 screened",
            counts.detected_dcis,
            screened,
            per=PER_THOUSAND,
            unknown=recall_unknown,
            programme=programme,
        ),
        _figure(
            "ppv_of_recall",
            "PPV of recall",
            "Screen-detected cancers, of the recalls whose outcome is known",
            counts.detected,
            counts.detected + counts.false_positive,
            per=PERCENT,
            unknown=recall_unknown,
            programme=programme,
        ),
        _figure(
            "biopsy_rate",
            "Biopsy rate",
            "Screened episodes with a biopsy (an assessment that took one, or pathology), of those screened",
            counts.biopsied,
            screened,
            per=PERCENT,
            unknown=recall_unknown,
            programme=programme,
        ),
    ]
    for (low, high, label), band in zip(INTERVAL_BANDS, counts.bands, strict=True):
        figures.append(
            _figure(
                f"interval_cancer_rate_{low}_{high}",
                f"Interval cancer rate {label} (per 1 000)",
                f"Cancers diagnosed {label} after a routine result, per 1 000 screened episodes "
                "whose follow-up covers the band",
                band.cancers,
                band.observed,
                per=PER_THOUSAND,
                unknown=band.waiting,
                programme=programme,
            )
        )
    figures.append(
        _figure(
            "false_positive_rate",
            "False-positive rate",
            "False positive recalls, of the episodes without cancer (1 - specificity of the result)",
            counts.false_positive,
            counts.negatives,
            per=PERCENT,
            unknown=counts.routine_unknown + recall_unknown,
            programme=programme,
        )
    )
    return figures


@dataclass(frozen=True)
class CategoryRow:
    """One Lung-RADS category: its share of the screened, and the cancers among those known."""

    category: str
    episodes: int | str
    share: DisclosedProportion
    cancer_share: DisclosedProportion  # cancers, of this category's episodes with a known truth
    unknown: int | str


def lung_rads_rows(rows: Sequence[EpisodeRow]) -> list[CategoryRow]:
    """Positive rate per Lung-RADS category (the final category of each screened episode)."""
    screened = len(rows)
    table = []
    for category in LUNG_CATEGORIES:
        inside = [row for row in rows if episode_category(row) == category]
        known = [row for row in inside if row.cancer is not None]
        cancers = sum(1 for row in known if row.cancer)
        table.append(
            CategoryRow(
                category,
                disclosed(len(inside)),
                disclosed(proportion(len(inside), screened, per=PERCENT)),
                disclosed(proportion(cancers, len(known), per=PERCENT)),
                disclosed(len(inside) - len(known)),
            )
        )
    return table


def episode_category(row: EpisodeRow) -> str:
    """The episode's final category: the arbitrator's, else the most severe of its reads."""
    arbitration = [read.category for read in row.reads if read.role == "arbitration" and read.category]
    if arbitration:
        return arbitration[-1]
    given = [read.category for read in row.reads if read.category in LUNG_CATEGORIES]
    return max(given, key=LUNG_CATEGORIES.index) if given else ""
