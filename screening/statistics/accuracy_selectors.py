"""Everything the Outcomes, Accuracy and Readers pages (and their CSVs and API answers) show, for
one user, one set of filters and optionally one AI model version."""

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings

from inference.registry import ModelRegistryError, model_card_get
from screening.statistics.accuracy_charts import (
    calibration_chart,
    decisions_chart,
    lung_rads_chart,
    outcome_rates_chart,
    readers_chart,
    roc_chart,
)
from screening.statistics.accuracy_figures import (
    AgreementFigure,
    AucFigure,
    CalibrationFigure,
    DecisionFigure,
    agreement_figures,
    auc_figure,
    calibration_figures,
    decision_figures,
)
from screening.statistics.accuracy_groups import DEFAULT_GROUP, GroupAccuracy, accuracy_by_group, groups_chart
from screening.statistics.accuracy_rows import EpisodeRow, episode_rows
from screening.statistics.dashboard_charts import Chart
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.maths.disclosure import disclosed
from screening.statistics.outcome_fact_selectors import OutcomeCounts, outcome_counts, screened_facts
from screening.statistics.outcome_kpis import (
    CategoryRow,
    OutcomeFigure,
    lung_rads_rows,
    outcome_kpis,
    outcome_kpis_of_counts,
)
from screening.statistics.reader_figures import ReaderFigure, reader_figures, sees_reader_names

PAGES = ("outcomes", "accuracy", "readers")


@dataclass(frozen=True)
class TruthCounts:
    """How many episodes of the selection have each truth (disclosed), unknowns included."""

    screened: int | str
    positives: int | str
    negatives: int | str
    unknown: int | str


def truth_counts_of(counts: OutcomeCounts) -> TruthCounts:
    """The truth counts from the outcome KPIs' counts."""
    positives = counts.detected + counts.interval_cancers
    return TruthCounts(
        disclosed(counts.screened),
        disclosed(positives),
        disclosed(counts.negatives),
        disclosed(counts.screened - positives - counts.negatives),
    )


def truth_counts(rows: list[EpisodeRow]) -> TruthCounts:
    positives = sum(1 for row in rows if row.cancer is True)
    negatives = sum(1 for row in rows if row.cancer is False)
    return TruthCounts(
        disclosed(len(rows)),
        disclosed(positives),
        disclosed(negatives),
        disclosed(len(rows) - positives - negatives),
    )


@dataclass(frozen=True)
class OutcomesBoard:
    truths: TruthCounts
    figures: list[OutcomeFigure]
    lung_rads: list[CategoryRow]
    charts: list[Chart]


def outcomes_board(*, user: Any, filters: KpiFilters, model: str = "") -> OutcomesBoard:
    """The outcome KPIs from one grouped aggregate of the facts (with `model`, of the episodes it
    scored); Lung-RADS categories from the lung episodes' reads."""
    if model:
        rows = episode_rows(user=user, filters=filters, model=model)
        figures, truths = outcome_kpis(rows, programme=filters.programme), truth_counts(rows)
        lung = [row for row in rows if row.programme == "lung"]
    else:
        counts = outcome_counts(screened_facts(user=user, filters=filters))
        figures, truths = outcome_kpis_of_counts(counts, programme=filters.programme), truth_counts_of(counts)
        lung = _lung_rows(user=user, filters=filters)
    per_thousand = [figure for figure in figures if figure.share.per == 1000]
    percent = [figure for figure in figures if figure.share.per == 100]
    charts = [
        outcome_rates_chart(
            "detection", "Cancer detection and interval cancer rates", per_thousand, "Per 1 000"
        ),
        outcome_rates_chart(
            "recall_outcomes", "PPV of recall, biopsy and false-positive rates", percent, "%"
        ),
    ]
    categories = lung_rads_rows(lung) if lung else []
    if categories:
        charts.append(lung_rads_chart(categories))
    return OutcomesBoard(truths, figures, categories, charts)


def _lung_rows(*, user: Any, filters: KpiFilters) -> list[EpisodeRow]:
    """The lung programme's rows of the selection (their categories come from the reads)."""
    if filters.programme not in ("", "lung"):
        return []
    return episode_rows(user=user, filters=replace(filters, programme="lung"))


def model_prevalence(model: str, rows: list[EpisodeRow]) -> float | None:
    """The prevalence the model was calibrated at (its card's training data), when one model scored
    the selection and its card is in the registry."""
    key = model or next(iter({row.model for row in rows if row.model}), "")
    if not key or len({row.model for row in rows if row.model}) > 1:
        return None
    name, _, version = key.partition(":")
    try:
        card = model_card_get(Path(settings.INFERENCE_MODEL_ROOT), name, version or None)
    except (ModelRegistryError, OSError, ValueError):
        return None
    value = card.training_data.get("prevalence")
    return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True)
class AccuracyBoard:
    truths: TruthCounts
    decisions: list[DecisionFigure]
    auc: AucFigure
    calibration: list[CalibrationFigure]
    agreement: list[AgreementFigure]
    charts: list[Chart]
    group_by: str
    groups: list[GroupAccuracy]


def accuracy_board(
    *, user: Any, filters: KpiFilters, model: str = "", group: str = DEFAULT_GROUP
) -> AccuracyBoard:
    """The accuracy figures of the selection, and the final decision's and AI's per `group`."""
    rows = episode_rows(user=user, filters=filters, model=model)
    decisions = decision_figures(rows)
    auc = auc_figure(rows)
    calibration = calibration_figures(rows, model_prevalence=model_prevalence(model, rows))
    groups = accuracy_by_group(rows, group)
    charts = [
        decisions_chart(decisions),
        roc_chart(auc, decisions),
        calibration_chart(calibration),
        groups_chart(groups, group),
    ]
    agreement = agreement_figures(rows)
    return AccuracyBoard(truth_counts(rows), decisions, auc, calibration, agreement, charts, group, groups)


@dataclass(frozen=True)
class ReadersBoard:
    truths: TruthCounts
    readers: list[ReaderFigure]
    names: bool
    charts: list[Chart]


def readers_board(*, user: Any, filters: KpiFilters, model: str = "") -> ReadersBoard:
    rows = episode_rows(user=user, filters=filters, model=model)
    names = sees_reader_names(user)
    readers = reader_figures(rows, viewer=user)
    return ReadersBoard(truth_counts(rows), readers, names, [readers_chart(readers, names=names)])


def page_board(
    *, page: str, user: Any, filters: KpiFilters, model: str = "", group: str = DEFAULT_GROUP
) -> Any:
    """The board of one page ("outcomes", "accuracy", "readers"); `group` breaks the accuracy down."""
    if page == "accuracy":
        return accuracy_board(user=user, filters=filters, model=model, group=group)
    build = {"outcomes": outcomes_board, "readers": readers_board}[page]
    return build(user=user, filters=filters, model=model)


def page_chart(
    *, page: str, user: Any, filters: KpiFilters, model: str, slug: str, group: str = DEFAULT_GROUP
) -> Chart | None:
    """One chart of a page (for its CSV), or None when there is no such chart."""
    if page not in PAGES:
        return None
    board = page_board(page=page, user=user, filters=filters, model=model, group=group)
    return next((chart for chart in board.charts if chart.slug == slug), None)
