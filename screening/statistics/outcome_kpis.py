"""Outcome KPIs of a selection: cancer detection, PPV of recall, biopsy and interval cancer rates,
and for lung the Lung-RADS categories; each with its Wilson interval, disclosed, judged against
the programme's standards where they hold values, and with its unknowns beside it.

Unknowns (follow-up incomplete, assessment or pathology awaited) are never taken as negatives:
each figure says how many episodes it could not count yet (docs/statistics.md, "Accuracy").
"""

from collections.abc import Sequence
from dataclasses import dataclass

from screening.statistics.accuracy_counts import POSITIVE, UNKNOWN
from screening.statistics.kpi_selectors import STANDARDS, StandardJudgement
from screening.statistics.maths.disclosure import DisclosedProportion, disclosed
from screening.statistics.maths.proportions import proportion
from screening.statistics.maths.standards import ProgrammeStandard, standard_rag, standards_for
from screening.statistics.outcome_fact_selectors import OutcomeCounts

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


def outcome_kpis_of_counts(counts: OutcomeCounts, *, programme: str = "") -> list[OutcomeFigure]:
    """Every outcome KPI from its counts (`outcome_counts`, in SQL)."""
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


def lung_rads_rows(combinations: Sequence[tuple[str, tuple[str, str, str], int]]) -> list[CategoryRow]:
    """Positive rate per Lung-RADS category (the final category of each screened episode), from
    (truth class, (first, second, arbitration category), episodes) (`lung_category_counts`)."""
    screened = sum(count for _, _, count in combinations)
    inside: dict[str, int] = dict.fromkeys(LUNG_CATEGORIES, 0)
    known, cancers = dict(inside), dict(inside)
    for truth, categories, count in combinations:
        category = final_category(*categories)
        if category not in inside:
            continue
        inside[category] += count
        known[category] += 0 if truth == UNKNOWN else count
        cancers[category] += count if truth == POSITIVE else 0
    return [
        CategoryRow(
            category,
            disclosed(inside[category]),
            disclosed(proportion(inside[category], screened, per=PERCENT)),
            disclosed(proportion(cancers[category], known[category], per=PERCENT)),
            disclosed(inside[category] - known[category]),
        )
        for category in LUNG_CATEGORIES
    ]


def final_category(first: str, second: str, arbitration: str) -> str:
    """The episode's final category: the arbitrator's, else the most severe of its reads."""
    if arbitration:
        return arbitration
    given = [category for category in (first, second) if category in LUNG_CATEGORIES]
    return max(given, key=LUNG_CATEGORIES.index) if given else ""
