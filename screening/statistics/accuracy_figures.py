"""Accuracy against the truth: each decision's sensitivity and specificity, the AI's AUC and ROC
curve, its calibration (also at the prevalence of use) and the agreement of readers and AI.

Input: the selection's counts (`accuracy_counts`, grouped SQL over the KPI facts); output: figures
an auditor may see (every count and share through `disclosed`; an AUC, ECE or kappa on small counts
suppressed with `count_is_small`). Unknown truths are counted beside each figure and never taken
as negatives.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from screening.statistics.accuracy_counts import AccuracyCounts, ScoreHistogram, Tally
from screening.statistics.maths.agreement import cohen_kappa_from_table
from screening.statistics.maths.diagnostic_accuracy import DiagnosticCounts, diagnostic_accuracy
from screening.statistics.maths.disclosure import DisclosedProportion, count_is_small, disclosed
from screening.statistics.maths.proportions import proportion
from screening.statistics.maths.reliability import (
    ReliabilityBin,
    expected_calibration_error,
    prevalence_recalibrated,
    reliability_bins,
)
from screening.statistics.maths.roc import delong_auc, roc_curve_points

PERCENT = 100


@dataclass(frozen=True)
class DecisionFigure:
    """One decision's accuracy: its 2x2 table and shares, disclosed; unknown truths beside them."""

    key: str
    label: str
    decisions: int | str  # decisions with a known truth
    unknown: int | str  # decisions whose episode's truth is still unknown
    true_positive: int | str
    false_positive: int | str
    false_negative: int | str
    true_negative: int | str
    sensitivity: DisclosedProportion
    specificity: DisclosedProportion
    ppv: DisclosedProportion
    positive_rate: DisclosedProportion  # of the decisions with a known truth

    @property
    def operating_point(self) -> tuple[float, float] | None:
        """(1 - specificity, sensitivity) in percent, or None when either is hidden."""
        sens, spec = self.sensitivity.value, self.specificity.value
        return None if sens is None or spec is None else (PERCENT - spec, sens)


def decision_figure(key: str, label: str, tally: Tally) -> DecisionFigure:
    """Accuracy of one decision from its 2x2 table against the truth."""
    counts = DiagnosticCounts(
        true_positive=tally.true_positive,
        false_positive=tally.false_positive,
        false_negative=tally.false_negative,
        true_negative=tally.true_negative,
    )
    accuracy = diagnostic_accuracy(counts)

    def percent(share: Any) -> DisclosedProportion:
        return disclosed(proportion(share.numerator, share.denominator, per=PERCENT))

    return DecisionFigure(
        key=key,
        label=label,
        decisions=disclosed(counts.total),
        unknown=disclosed(tally.unknown),
        true_positive=disclosed(counts.true_positive),
        false_positive=disclosed(counts.false_positive),
        false_negative=disclosed(counts.false_negative),
        true_negative=disclosed(counts.true_negative),
        sensitivity=percent(accuracy.sensitivity),
        specificity=percent(accuracy.specificity),
        ppv=percent(accuracy.positive_predictive_value),
        positive_rate=percent(accuracy.positive_rate),
    )


DECISIONS = (
    ("first_read", "First reads"),
    ("second_read", "Second reads"),
    ("arbitration", "Arbitrations"),
    ("final", "Final decision (episode result)"),
    ("ai", "AI at the recorded high-suspicion threshold"),
)
READ_KINDS = (("aided", "Reads with the AI shown"), ("unaided", "Reads without the AI"))


def decision_figures(counts: AccuracyCounts) -> list[DecisionFigure]:
    """First reads, second reads, arbitrations, the final decision, the AI at each episode's
    recorded threshold, and human reads with and without the AI shown (those that happened)."""
    figures = [decision_figure(key, label, counts.decisions.get(key, Tally())) for key, label in DECISIONS]
    for key, label in READ_KINDS:
        if counts.decisions.get(key, Tally()).total:
            figures.append(decision_figure(key, label, counts.decisions[key]))
    return figures


@dataclass(frozen=True)
class AucFigure:
    """The AI score's AUC with its DeLong 95% interval; None (suppressed) on small counts."""

    auc: float | None
    low: float | None
    high: float | None
    positives: int | str
    negatives: int | str
    unknown: int | str
    suppressed: bool
    curve: tuple[tuple[float, float, float], ...]  # (1 - specificity, sensitivity, threshold), percent


def auc_figure(histogram: ScoreHistogram) -> AucFigure:
    truth, scores = histogram.arrays()
    unknown = histogram.unknown
    positives, negatives = int(histogram.positives.sum()), int(histogram.negatives.sum())
    small = count_is_small(positives) or count_is_small(negatives)
    if small:
        return AucFigure(
            None, None, None, disclosed(positives), disclosed(negatives), disclosed(unknown), True, ()
        )
    estimate = delong_auc(truth, scores)
    curve = roc_curve_points(truth, scores)
    points = tuple(
        (round(float(x) * PERCENT, 1), round(float(y) * PERCENT, 1), float(t))
        for x, y, t in zip(curve.false_positive_rate, curve.true_positive_rate, curve.thresholds, strict=True)
    )
    return AucFigure(
        estimate.auc, estimate.low, estimate.high, positives, negatives, disclosed(unknown), False, points
    )


@dataclass(frozen=True)
class CalibrationFigure:
    """A reliability diagram (bins disclosed) and its expected calibration error."""

    label: str
    bins: tuple[ReliabilityBin, ...]
    ece: float | None  # None when suppressed or nothing to bin
    note: str = ""


def calibration_figures(
    histogram: ScoreHistogram, *, model_prevalence: float | None
) -> list[CalibrationFigure]:
    """Calibration as scored, and restated at the prevalence of use (the selection's known prevalence)."""
    truth, scores = histogram.arrays()
    positives = int(truth.sum())
    if count_is_small(positives) or count_is_small(len(truth) - positives):
        return [CalibrationFigure("As scored", (), None, "Too few episodes with a known truth to show.")]
    as_scored = reliability_bins(truth, scores)
    figures = [CalibrationFigure("As scored", tuple(as_scored), expected_calibration_error(as_scored))]
    use_prevalence = positives / len(truth)
    if model_prevalence is None or not 0 < model_prevalence < 1:
        figures.append(
            CalibrationFigure(
                "At the prevalence of use",
                (),
                None,
                "The model's training prevalence is not known: choose one model.",
            )
        )
        return figures
    restated = prevalence_recalibrated(
        scores, model_prevalence=model_prevalence, use_prevalence=use_prevalence
    )
    diagram = reliability_bins(truth, restated)
    figures.append(
        CalibrationFigure(
            "At the prevalence of use",
            tuple(diagram),
            expected_calibration_error(diagram),
            f"Restated from the model's prevalence {model_prevalence:.1%} to {use_prevalence:.1%}.",
        )
    )
    return figures


@dataclass(frozen=True)
class AgreementFigure:
    """Kappa (or a share in percent) of two raters, with its interval; None when suppressed."""

    key: str
    label: str
    pairs: int | str
    value: float | None
    low: float | None
    high: float | None
    suppressed: bool
    unit: str  # "kappa" or "%"


def kappa_figure(key: str, label: str, table: np.ndarray) -> AgreementFigure:
    """Cohen's kappa of a 2x2 table of paired calls ([first rater's recall][second's]), suppressed
    when the pairs or either rater's recalls are few."""
    pairs, first, second = int(table.sum()), int(table[1].sum()), int(table[:, 1].sum())
    if count_is_small(pairs) or count_is_small(first) or count_is_small(second):
        return AgreementFigure(key, label, disclosed(pairs), None, None, None, True, "kappa")
    estimate = cohen_kappa_from_table(table)
    return AgreementFigure(
        key, label, pairs, estimate.kappa, estimate.low, estimate.high, estimate.kappa is None, "kappa"
    )


def discordant(table: np.ndarray) -> int:
    """The pairs of a 2x2 table whose calls differ."""
    return int(table.sum() - np.trace(table))


def share_figure(key: str, label: str, numerator: int, denominator: int) -> AgreementFigure:
    share = disclosed(proportion(numerator, denominator, per=PERCENT))
    return AgreementFigure(
        key, label, share.denominator, share.value, share.low, share.high, share.suppressed, "%"
    )


def agreement_figures(counts: AccuracyCounts) -> list[AgreementFigure]:
    """First vs second reader and reader vs AI (kappa), discordance and arbitration rates."""
    doubles, with_ai = counts.readers_table, counts.reader_ai_table
    return [
        kappa_figure("kappa_readers", "First vs second reader (kappa)", doubles),
        kappa_figure("kappa_reader_ai", "Reader vs AI (kappa)", with_ai),
        share_figure(
            "discordance", "Discordance of first and second reads", discordant(doubles), int(doubles.sum())
        ),
        share_figure(
            "reader_ai_discordance", "Discordance of reader and AI", discordant(with_ai), int(with_ai.sum())
        ),
        share_figure(
            "arbitration_rate",
            "Arbitration rate of double-read episodes",
            counts.arbitrated,
            int(doubles.sum()),
        ),
    ]
