"""Accuracy against the truth: each decision's sensitivity and specificity, the AI's AUC and ROC
curve, its calibration (also at the prevalence of use) and the agreement of readers and AI.

Input: the selection's `EpisodeRow`s; output: figures an auditor may see (every count and share
through `disclosed`; an AUC, ECE or kappa on small counts suppressed with `count_is_small`).
Unknown truths are counted beside each figure and never taken as negatives.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from screening.statistics.accuracy_rows import EpisodeRow
from screening.statistics.maths.agreement import cohen_kappa
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
HUMAN_ROLES = ("first", "second")
# (truth: True cancer / False none / None unknown, decided positive)
Decision = tuple[bool | None, bool]


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


def decision_figure(key: str, label: str, decisions: Iterable[Decision]) -> DecisionFigure:
    """Accuracy of one decision over its episodes (pairs of truth and decision)."""
    pairs = list(decisions)
    known = [(cancer, positive) for cancer, positive in pairs if cancer is not None]
    counts = DiagnosticCounts(
        true_positive=sum(1 for c, p in known if c and p),
        false_positive=sum(1 for c, p in known if not c and p),
        false_negative=sum(1 for c, p in known if c and not p),
        true_negative=sum(1 for c, p in known if not c and not p),
    )
    accuracy = diagnostic_accuracy(counts)

    def percent(share: Any) -> DisclosedProportion:
        return disclosed(proportion(share.numerator, share.denominator, per=PERCENT))

    return DecisionFigure(
        key=key,
        label=label,
        decisions=disclosed(len(known)),
        unknown=disclosed(len(pairs) - len(known)),
        true_positive=disclosed(counts.true_positive),
        false_positive=disclosed(counts.false_positive),
        false_negative=disclosed(counts.false_negative),
        true_negative=disclosed(counts.true_negative),
        sensitivity=percent(accuracy.sensitivity),
        specificity=percent(accuracy.specificity),
        ppv=percent(accuracy.positive_predictive_value),
        positive_rate=percent(accuracy.positive_rate),
    )


def read_decisions(rows: Sequence[EpisodeRow], keep: Any) -> list[Decision]:
    """(truth, recall) of every read of the rows that `keep(row, read)` accepts (technical recalls out)."""
    return [
        (row.cancer, bool(read.recall))
        for row in rows
        for read in row.reads
        if read.recall is not None and keep(row, read)
    ]


def decision_figures(rows: Sequence[EpisodeRow]) -> list[DecisionFigure]:
    """First reads, second reads, arbitrations, the final decision, the AI at each episode's
    recorded threshold, and human reads with and without the AI shown."""
    figures = [
        decision_figure(
            "first_read", "First reads", read_decisions(rows, lambda r, read: read.role == "first")
        ),
        decision_figure(
            "second_read", "Second reads", read_decisions(rows, lambda r, read: read.role == "second")
        ),
        decision_figure(
            "arbitration", "Arbitrations", read_decisions(rows, lambda r, read: read.role == "arbitration")
        ),
        decision_figure(
            "final", "Final decision (episode result)", [(row.cancer, row.recalled) for row in rows]
        ),
        decision_figure(
            "ai",
            "AI at the recorded high-suspicion threshold",
            [(row.cancer, bool(row.ai_recall)) for row in rows if row.ai_recall is not None],
        ),
    ]
    for shown, key, label in (
        (True, "aided", "Reads with the AI shown"),
        (False, "unaided", "Reads without the AI"),
    ):
        decisions = read_decisions(
            rows, lambda r, read, s=shown: read.role in HUMAN_ROLES and read.ai_shown is s
        )
        if decisions:
            figures.append(decision_figure(key, label, decisions))
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


def _scored(rows: Sequence[EpisodeRow]) -> tuple[list[bool], list[float], int]:
    known = [row for row in rows if row.ai_score is not None and row.cancer is not None]
    unknown = sum(1 for row in rows if row.ai_score is not None and row.cancer is None)
    return [bool(row.cancer) for row in known], [float(row.ai_score or 0.0) for row in known], unknown


def auc_figure(rows: Sequence[EpisodeRow]) -> AucFigure:
    truth, scores, unknown = _scored(rows)
    positives, negatives = sum(truth), len(truth) - sum(truth)
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
    rows: Sequence[EpisodeRow], *, model_prevalence: float | None
) -> list[CalibrationFigure]:
    """Calibration as scored, and restated at the prevalence of use (the selection's known prevalence)."""
    truth, scores, _ = _scored(rows)
    positives = sum(truth)
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


def kappa_figure(key: str, label: str, first: list[bool], second: list[bool]) -> AgreementFigure:
    """Cohen's kappa of paired calls, suppressed when the pairs or either rater's positives are few."""
    small = count_is_small(len(first)) or count_is_small(sum(first)) or count_is_small(sum(second))
    if small:
        return AgreementFigure(key, label, disclosed(len(first)), None, None, None, True, "kappa")
    estimate = cohen_kappa(first, second, categories=[False, True])
    return AgreementFigure(
        key, label, len(first), estimate.kappa, estimate.low, estimate.high, estimate.kappa is None, "kappa"
    )


def share_figure(key: str, label: str, numerator: int, denominator: int) -> AgreementFigure:
    share = disclosed(proportion(numerator, denominator, per=PERCENT))
    return AgreementFigure(
        key, label, share.denominator, share.value, share.low, share.high, share.suppressed, "%"
    )


def double_reads(rows: Sequence[EpisodeRow]) -> list[tuple[EpisodeRow, bool, bool]]:
    """(row, first reader's recall, second reader's recall) of the episodes both read clinically."""
    pairs = []
    for row in rows:
        calls = {read.role: read.recall for read in row.reads if read.recall is not None}
        if "first" in calls and "second" in calls:
            pairs.append((row, bool(calls["first"]), bool(calls["second"])))
    return pairs


def agreement_figures(rows: Sequence[EpisodeRow]) -> list[AgreementFigure]:
    """First vs second reader and reader vs AI (kappa), discordance and arbitration rates."""
    doubles = double_reads(rows)
    with_ai = [
        (bool(read.recall), bool(row.ai_recall))
        for row in rows
        if row.ai_recall is not None
        for read in row.reads
        if read.role in HUMAN_ROLES and read.recall is not None
    ]
    arbitrated = sum(1 for row, _, _ in doubles if any(read.role == "arbitration" for read in row.reads))
    return [
        kappa_figure(
            "kappa_readers",
            "First vs second reader (kappa)",
            [a for _, a, _ in doubles],
            [b for _, _, b in doubles],
        ),
        kappa_figure(
            "kappa_reader_ai", "Reader vs AI (kappa)", [a for a, _ in with_ai], [b for _, b in with_ai]
        ),
        share_figure(
            "discordance",
            "Discordance of first and second reads",
            sum(1 for _, a, b in doubles if a != b),
            len(doubles),
        ),
        share_figure(
            "reader_ai_discordance",
            "Discordance of reader and AI",
            sum(1 for a, b in with_ai if a != b),
            len(with_ai),
        ),
        share_figure(
            "arbitration_rate", "Arbitration rate of double-read episodes", arbitrated, len(doubles)
        ),
    ]
