"""Programme KPIs as an auditor may see them: Wilson intervals, the standards' RAG, disclosure control.

The counts come from the database (`kpi_counts`); this module turns them into figures and passes
every one through `disclosed` before it reaches a page, a CSV or an API answer.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from screening.statistics.kpi_counts import GroupCounts, counts_total, kpi_counts
from screening.statistics.kpi_scope import ROUNDS, KpiFilters
from screening.statistics.maths.disclosure import DisclosedProportion, disclosed
from screening.statistics.maths.proportions import proportion
from screening.statistics.maths.standard_values import BREAST_STANDARDS
from screening.statistics.maths.standards import (
    ProgrammeStandard,
    ScreeningRound,
    standard_rag,
    standards_for,
)

PERCENT = 100


@dataclass(frozen=True)
class Kpi:
    """A KPI: counts of what (numerator) out of what (denominator); a count has no denominator."""

    measure: str
    name: str
    numerator: str
    denominator: str = ""
    definition: str = ""


KPIS: tuple[Kpi, ...] = (
    Kpi("invitations", "Invitations", "invited", definition="Episodes invited (by month of invitation)"),
    Kpi(
        "uptake",
        "Uptake",
        "attended",
        "invited",
        "Invited episodes whose participant attended, of those invited",
    ),
    Kpi(
        "recall_rate",
        "Recall rate",
        "recalled",
        "with_result",
        "Recalls for assessment, of the screened episodes with a routine or recall result",
    ),
    Kpi(
        "technical_recall_rate",
        "Technical recall rate",
        "technical_recalls",
        "screened",
        "Screened episodes that had a technical recall (new images), of those screened",
    ),
    Kpi(
        "result_within_standard",
        "Results within 14 days",
        "within_standard",
        "resulted",
        "Results issued within 14 days of the images, of the results issued",
    ),
    Kpi("backlog", "Awaiting a result", "waiting", definition="Imaged episodes waiting for a result today"),
)
KPI_BY_MEASURE = {kpi.measure: kpi for kpi in KPIS}
STANDARDS: tuple[ProgrammeStandard, ...] = BREAST_STANDARDS


@dataclass(frozen=True)
class StandardJudgement:
    """A figure against one standard: its levels, source and red/amber/green (None when suppressed)."""

    code: str
    name: str
    acceptable: str
    achievable: str
    source: str
    edition: str
    rag: str | None


@dataclass(frozen=True)
class KpiFigure:
    """One KPI for one group, disclosed: a count ("<5" when small) or a share with its interval."""

    measure: str
    name: str
    count: int | str | None
    share: DisclosedProportion | None
    standards: tuple[StandardJudgement, ...]


def _level(threshold: Any, unit: str) -> str:
    value = f"{threshold.value * 100:g}%" if unit == "share" else f"{threshold.value:g}"
    return f"{threshold.comparison} {value}"


def judged(kpi: Kpi, share: DisclosedProportion | None, *, programme: str, screening_round: str) -> tuple:
    """The KPI's standards for the programme and round, each with the figure's RAG."""
    if not programme or share is None:
        return ()
    standards = standards_for(
        STANDARDS,
        programme=programme,
        measure=kpi.measure,
        screening_round=cast(ScreeningRound, screening_round or "any"),
    )
    if not screening_round:  # a round's standard does not judge both rounds together
        standards = [standard for standard in standards if standard.screening_round == "any"]
    fraction = None if share.value is None else share.value / share.per
    return tuple(
        StandardJudgement(
            code=standard.code,
            name=standard.name,
            acceptable=_level(standard.acceptable, standard.unit),
            achievable=_level(standard.achievable, standard.unit),
            source=standard.source,
            edition=standard.edition,
            rag=(rag.value if (rag := standard_rag(standard, fraction)) else None),
        )
        for standard in standards
    )


def kpi_figure(
    kpi: Kpi, counts: Counter[str], *, programme: str = "", screening_round: str = ""
) -> KpiFigure:
    """A KPI from its counts, disclosed, judged against the programme's standards for the round."""
    if not kpi.denominator:
        return KpiFigure(kpi.measure, kpi.name, disclosed(counts[kpi.numerator]), None, ())
    share = disclosed(proportion(counts[kpi.numerator], counts[kpi.denominator], per=PERCENT))
    standards = judged(kpi, share, programme=programme, screening_round=screening_round)
    return KpiFigure(kpi.measure, kpi.name, None, share, standards)


@dataclass(frozen=True)
class KpiRow:
    """One group of a breakdown (or the whole selection) with every KPI."""

    key: tuple[Any, ...]
    label: str
    figures: tuple[KpiFigure, ...]

    def figure(self, measure: str) -> KpiFigure:
        return next(figure for figure in self.figures if figure.measure == measure)


def kpi_row(
    key: tuple[Any, ...], label: str, counts: Counter[str], *, programme: str, screening_round: str
) -> KpiRow:
    figures = tuple(
        kpi_figure(kpi, counts, programme=programme, screening_round=screening_round) for kpi in KPIS
    )
    return KpiRow(key, label, figures)


def kpi_overview(*, user: Any, filters: KpiFilters) -> list[KpiRow]:
    """The selection's KPIs as a whole, then per round (recall standards differ by round)."""
    groups = kpi_counts(user=user, filters=filters, keys=("round",))
    rows = [
        kpi_row(
            (),
            "All rounds" if not filters.screening_round else f"{filters.screening_round.title()} round",
            counts_total(groups),
            programme=filters.programme,
            screening_round=filters.screening_round,
        )
    ]
    for screening_round in ROUNDS:
        if filters.screening_round in ("", screening_round):
            counts = counts_total(group for group in groups if group.key == (screening_round,))
            label = "First round" if screening_round == "first" else "Subsequent rounds"
            rows.append(
                kpi_row(
                    (screening_round,),
                    label,
                    counts,
                    programme=filters.programme,
                    screening_round=screening_round,
                )
            )
    return rows


def kpi_breakdown(
    *, user: Any, filters: KpiFilters, by: str, labels: dict[Any, str] | None = None
) -> list[KpiRow]:
    """Every KPI per group of one breakdown (programme, campaign, site, month, round, age band)."""
    groups: Sequence[GroupCounts] = kpi_counts(user=user, filters=filters, keys=(by,))
    labels = labels or {}
    rows = []
    for group in groups:
        value = group.key[0]
        programme = value if by == "programme" else filters.programme
        screening_round = value if by == "round" else filters.screening_round
        label = labels.get(value, _label(value))
        rows.append(
            kpi_row(group.key, label, group.counts, programme=programme, screening_round=screening_round)
        )
    return rows


def _label(value: Any) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m")
    return "(none)" if value in (None, "") else str(value)
