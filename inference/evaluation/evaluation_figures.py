"""The figures of an evaluation: discrimination with intervals, bands, localisation, calibration.

Calibration is judged at a stated prevalence: the cohort's studies are reweighted so that positives
count as that share (the class-conditional score distributions are the cohort's own), and the ECE is
given for the card's scores and for the same scores shifted from the card's prevalence to it.
"""

from typing import Any

import numpy as np

from inference.evaluation.cohort_scoring import ScoredStudy, scores_of
from inference.evaluation.localisation import froc_sensitivities
from inference.metrics import expected_calibration_error, prevalence_weights, wilson_interval
from inference.registry import ModelCard
from inference.study_scoring import prior_shifted
from inference.synthetic.lesion_sampling import SIZE_BANDS
from inference.training.model_evaluation import band_aucs, test_metrics


def _share(hits: int, total: int) -> dict[str, Any]:
    low, high = wilson_interval(hits, total)
    share = round(hits / total, 4) if total else None
    return {
        "hits": hits,
        "total": total,
        "share": share,
        "ci95": [round(low, 4), round(high, 4)] if total else None,
    }


# A view's map is "lit" where its peak is at least this calibrated probability of a finding there:
# the views on which a reader sees a bright place, and is asked to look at it.
LIT_PEAK = 0.5


def _breast_localisation(studies: list[ScoredStudy]) -> dict[str, Any]:
    views = [view for study in studies for view in study.lesion_views]
    lit = [view for view in views if view.peak >= LIT_PEAK]
    kinds = sorted({study.kind for study in studies if study.lesion_views})
    return {
        "lesion_views": len(views),
        "peak_inside_lesion": _share(sum(v.inside for v in views), len(views)),
        "pointing_game": _share(sum(v.pointing_hit for v in views), len(views)),
        "pointing_tolerance": "lesion radius plus one activation-map cell",
        "peak_inside_lesion_where_lit": _share(sum(v.inside for v in lit), len(lit)),
        "lit_peak": LIT_PEAK,
        "peak_inside_lesion_by_kind": {
            kind: _share(sum(v.inside for v in members), len(members))
            for kind in kinds
            if (members := [v for s in studies if s.kind == kind for v in s.lesion_views])
        },
    }


def _lung_localisation(studies: list[ScoredStudy]) -> dict[str, Any]:
    positives = [s for s in studies if s.label]
    by_size = {
        band: _share(sum(bool(s.top_slice_hit) for s in members), len(members))
        for band in SIZE_BANDS
        if (members := [s for s in positives if s.size_band == band])
    }
    return {
        "top_slice_on_nodule": _share(sum(bool(s.top_slice_hit) for s in positives), len(positives)),
        "top_slice_on_nodule_by_size": by_size,
        "peak_slice_on_nodule": _share(sum(bool(s.peak_slice_hit) for s in positives), len(positives)),
        "froc": froc_sensitivities(
            [s.nodule_score for s in positives],
            [score for s in studies for score in s.false_positive_scores],
            len(studies),
        ),
    }


def _calibration(
    card: ModelCard, labels: np.ndarray, scores: np.ndarray, prevalence: float
) -> dict[str, Any]:
    weights = prevalence_weights(labels, prevalence)
    result: dict[str, Any] = {
        "prevalence": prevalence,
        "card_calibrated_at": card.calibration_prevalence,
        "card_scores": expected_calibration_error(labels, scores, weights=weights),
    }
    if card.calibration_prevalence is not None:
        shifted = prior_shifted(scores, calibrated_at=card.calibration_prevalence, prevalence=prevalence)
        result["prior_shifted_scores"] = expected_calibration_error(labels, shifted, weights=weights)
    return result


def _ppv(point: dict[str, Any], prevalence: float) -> float | None:
    sensitivity, specificity = point["sensitivity"], point["specificity"]
    if sensitivity is None or specificity is None:
        return None
    called = sensitivity * prevalence + (1 - specificity) * (1 - prevalence)
    return round(sensitivity * prevalence / called, 4) if called else None


def evaluation_figures(
    card: ModelCard, studies: list[ScoredStudy], *, prevalence: float, seed: int, bootstrap: int = 2000
) -> dict[str, Any]:
    """Every figure of an evaluation, JSON-ready."""
    labels, scores = scores_of(studies)
    figures = test_metrics(studies, scores, card.thresholds, seed, bootstrap)
    figures["split"] = "generated cohort"
    for point in figures["operating_points"].values():
        point["ppv_at_prevalence"] = _ppv(point, prevalence)
    figures["band_aucs"] = band_aucs(studies, scores, seed, min(bootstrap, 1000))
    figures["localisation"] = (
        _breast_localisation(studies) if card.programme == "breast" else _lung_localisation(studies)
    )
    figures["calibration"] = _calibration(card, labels, scores, prevalence)
    return figures


def _percent(entry: dict[str, Any]) -> str:
    if not entry["total"]:
        return "none"
    low, high = entry["ci95"]
    return f"{entry['hits']}/{entry['total']} = {entry['share']:.0%} (95% CI {low:.0%}-{high:.0%})"


def figures_text(figures: dict[str, Any]) -> str:
    """The figures as a short plain-text report."""
    low, high = figures["auc_ci95"]
    lines = [
        f"{figures['studies']} studies, {figures['positives']} with a lesion",
        f"AUC {figures['auc']:.3f} (95% CI {low:.3f}-{high:.3f}); cancers vs lesion-free "
        f"{figures['auc_cancer_vs_lesion_free']}; Brier {figures['brier_score']}",
        "operating points (card thresholds):",
    ]
    for name, point in figures["operating_points"].items():
        sl, sh = point["sensitivity_ci95"]
        pl, ph = point["specificity_ci95"]
        lines.append(
            f"  {name} >= {point['threshold']:.4f}: sensitivity {point['sensitivity']} ({sl}-{sh}), "
            f"specificity {point['specificity']} ({pl}-{ph}), PPV at prevalence {point['ppv_at_prevalence']}"
        )
    lines.append("bands (AUC vs all lesion-free):")
    for group, bands in figures["band_aucs"].items():
        for band, entry in bands.items():
            lines.append(
                f"  {group} {band}: {entry['auc']} ({entry['ci95'][0]}-{entry['ci95'][1]}), "
                f"{entry['positives']} studies"
            )
    local = figures["localisation"]
    if "peak_inside_lesion" in local:
        lines.append(f"peak inside lesion: {_percent(local['peak_inside_lesion'])} of lesion views")
        lines.append(f"pointing game: {_percent(local['pointing_game'])} ({local['pointing_tolerance']})")
        lines.append(
            f"peak inside lesion where the map is lit (peak >= {local['lit_peak']}):"
            f" {_percent(local['peak_inside_lesion_where_lit'])} of those views"
        )
        for kind, entry in local["peak_inside_lesion_by_kind"].items():
            lines.append(f"  peak inside lesion, {kind}: {_percent(entry)}")
    else:
        lines.append(f"top slice on nodule: {_percent(local['top_slice_on_nodule'])}")
        for band, entry in local["top_slice_on_nodule_by_size"].items():
            lines.append(f"  {band}: {_percent(entry)}")
        lines.append(f"slice of the heat map's peak on nodule: {_percent(local['peak_slice_on_nodule'])}")
        froc = local["froc"]
        lines.append(
            "FROC sensitivity at 1/2/4 false positives per study: "
            + " / ".join(str(froc[f"sensitivity_at_{r}_fp"]) for r in ("1", "2", "4"))
        )
    calibration = figures["calibration"]
    line = f"ECE at prevalence {calibration['prevalence']}: card scores {calibration['card_scores']['ece']}"
    line += f" (calibrated at {calibration['card_calibrated_at']})"
    if "prior_shifted_scores" in calibration:
        line += f", prior-shifted {calibration['prior_shifted_scores']['ece']}"
    lines.append(line)
    return "\n".join(lines)
