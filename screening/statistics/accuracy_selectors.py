"""Everything the Outcomes, Accuracy and Readers pages (and their CSVs and API answers) show, for
one user, one set of filters and optionally one AI model version."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from inference.registry import ModelRegistryError, model_card_get
from screening.statistics.accuracy_charts import (
    calibration_chart,
    decisions_chart,
    lung_rads_chart,
    outcome_rates_chart,
    readers_chart,
    roc_chart,
)
from screening.statistics.accuracy_counts import accuracy_counts, lung_category_counts
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
from screening.statistics.dashboard_charts import Chart
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.maths.disclosure import disclosed
from screening.statistics.models import EpisodeKpiFacts
from screening.statistics.outcome_fact_selectors import OutcomeCounts, outcome_counts, screened_facts
from screening.statistics.outcome_kpis import (
    CategoryRow,
    OutcomeFigure,
    lung_rads_rows,
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


def truth_counts_of_classes(screened: dict[str, int]) -> TruthCounts:
    """The truth counts from the episodes per truth class (`AccuracyCounts.screened`)."""
    positives, negatives, unknown = (screened.get(name, 0) for name in ("positive", "negative", "unknown"))
    total = positives + negatives + unknown
    return TruthCounts(disclosed(total), disclosed(positives), disclosed(negatives), disclosed(unknown))


def selection(*, user: Any, filters: KpiFilters, model: str = "") -> QuerySet[EpisodeKpiFacts]:
    """The screened facts of the selection; with `model` ("name:version"), those whose latest AI
    result it gave."""
    facts = screened_facts(user=user, filters=filters)
    return facts.filter(ai_model=model) if model else facts


@dataclass(frozen=True)
class OutcomesBoard:
    truths: TruthCounts
    figures: list[OutcomeFigure]
    lung_rads: list[CategoryRow]
    charts: list[Chart]


def outcomes_board(*, user: Any, filters: KpiFilters, model: str = "") -> OutcomesBoard:
    """The outcome KPIs from one grouped aggregate of the facts; Lung-RADS categories from another."""
    facts = selection(user=user, filters=filters, model=model)
    counts = outcome_counts(facts)
    figures, truths = outcome_kpis_of_counts(counts, programme=filters.programme), truth_counts_of(counts)
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
    lung = lung_category_counts(facts) if filters.programme in ("", "lung") else []
    categories = lung_rads_rows(lung) if lung else []
    if categories:
        charts.append(lung_rads_chart(categories))
    return OutcomesBoard(truths, figures, categories, charts)


def model_prevalence(models: frozenset[str]) -> float | None:
    """The prevalence the model was calibrated at (its card's training data), when one model scored
    the selection and its card is in the registry."""
    if len(models) != 1:
        return None
    (key,) = models
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
    facts = selection(user=user, filters=filters, model=model)
    counts = accuracy_counts(facts, by=group)
    decisions = decision_figures(counts)
    auc = auc_figure(counts.histogram)
    calibration = calibration_figures(counts.histogram, model_prevalence=model_prevalence(counts.models))
    groups = accuracy_by_group(counts.groups, group)
    charts = [
        decisions_chart(decisions),
        roc_chart(auc, decisions),
        calibration_chart(calibration),
        groups_chart(groups, group),
    ]
    agreement = agreement_figures(counts)
    return AccuracyBoard(
        truth_counts_of_classes(counts.screened),
        decisions,
        auc,
        calibration,
        agreement,
        charts,
        group,
        groups,
    )


@dataclass(frozen=True)
class ReadersBoard:
    truths: TruthCounts
    readers: list[ReaderFigure]
    names: bool
    charts: list[Chart]


def readers_board(*, user: Any, filters: KpiFilters, model: str = "") -> ReadersBoard:
    facts = selection(user=user, filters=filters, model=model)
    names = sees_reader_names(user)
    readers = reader_figures(facts, viewer=user)
    return ReadersBoard(
        truth_counts_of(outcome_counts(facts)), readers, names, [readers_chart(readers, names=names)]
    )


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
