"""The gate's arithmetic and the comparison's figures, without a database: each criterion at its
boundary, the band-shift table and kappa against scikit-learn, suppression of small counts."""

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from screening.promotion.comparison_figures import (
    CANCER,
    NO_CANCER,
    UNKNOWN,
    PairedScores,
    comparison_compute,
)
from screening.promotion.promotion_gate import AUC, CANCERS, STUDIES, GateCriteria, gate_evaluate
from screening.statistics.maths.roc import PairedAucDifference

CRITERIA = GateCriteria(minimum_studies=200, minimum_cancers=10, auc_margin=0.02)


def difference(low: float | None, error: float | None = 0.01) -> PairedAucDifference:
    return PairedAucDifference(0.9, 0.9, 0.0, error, low, 0.05, 0.5, 12, 300)


def test_every_criterion_passes_at_its_boundary():
    gate = gate_evaluate(criteria=CRITERIA, studies=200, cancers=10, auc=difference(-0.02))
    assert gate.met
    assert gate.as_dict() == {
        STUDIES: {"required": 200, "observed": 200, "passed": True},
        CANCERS: {"required": 10, "observed": 10, "passed": True},
        AUC: {"required": -0.02, "observed": -0.02, "passed": True},
    }


@pytest.mark.parametrize(
    ("studies", "cancers", "low", "failed"),
    [(199, 10, -0.01, STUDIES), (500, 9, -0.01, CANCERS), (500, 40, -0.0201, AUC)],
)
def test_one_criterion_short_fails_the_gate(studies, cancers, low, failed):
    gate = gate_evaluate(criteria=CRITERIA, studies=studies, cancers=cancers, auc=difference(low))
    assert not gate.met
    assert [c.key for c in gate.criteria if not c.passed] == [failed]


def test_an_auc_difference_that_cannot_be_estimated_fails():
    gate = gate_evaluate(criteria=CRITERIA, studies=500, cancers=40, auc=difference(None, error=None))
    assert not gate.met and gate.as_dict()[AUC]["observed"] is None


def _pairs(rows) -> PairedScores:
    pairs = PairedScores()
    for active, shadow, truth in rows:
        pairs.add(active, shadow, truth)
    return pairs


def test_band_shifts_kappa_and_auc_match_scikit_learn():
    rng = np.random.default_rng(11)
    bands = np.array(["high", "intermediate", "low"])
    n = 400
    truth = rng.choice([CANCER, NO_CANCER, UNKNOWN], size=n, p=[0.1, 0.7, 0.2])
    active = np.clip(rng.normal(0.3, 0.2, n) + (truth == CANCER) * 0.3, 0, 1)
    shadow = np.clip(active + rng.normal(0, 0.1, n), 0, 1)

    def band(scores):  # the campaign's default thresholds: low below 0.1, high from 0.5
        return bands[2 - np.digitize(scores, [0.1, 0.5])]

    rows = [
        ((float(a), str(ba)), (float(s), str(bs)), str(t))
        for a, s, ba, bs, t in zip(active, shadow, band(active), band(shadow), truth, strict=True)
    ]
    figures = comparison_compute(_pairs(rows))
    known = truth != UNKNOWN
    assert figures.studies == n and figures.cancers == int((truth == CANCER).sum())
    assert figures.unknown == int((~known).sum())
    assert figures.auc.first_auc == pytest.approx(roc_auc_score(truth[known] == CANCER, active[known]))
    assert figures.auc.second_auc == pytest.approx(roc_auc_score(truth[known] == CANCER, shadow[known]))
    assert figures.kappa.kappa == pytest.approx(cohen_kappa_score(band(active), band(shadow)))
    table = {label: counts for label, counts in figures.band_table}
    high_to_low = int(((band(active) == "high") & (band(shadow) == "low")).sum())
    expected = high_to_low if high_to_low >= 5 else "<5"
    assert table["High"][2] == expected
    assert sum(c for counts in table.values() for c in counts if isinstance(c, int)) <= n


def test_small_counts_are_suppressed_in_the_table_scatter_and_outcomes():
    rows = [((0.9, "high"), (0.95, "high"), CANCER)] * 3 + [((0.05, "low"), (0.02, "low"), NO_CANCER)] * 7
    figures = comparison_compute(_pairs(rows))
    table = dict(figures.band_table)
    assert table["High"] == ["<5", "<5", "<5"] and table["Low"] == ["<5", "<5", 7]
    assert sorted(str(cell.count) for cell in figures.scatter) == ["7", "<5"]
    assert figures.active_outcome.sensitivity.suppressed  # 3 of 3 cancers: too few to show
    assert (
        figures.active_outcome.false_flags.numerator == "<5"
        and figures.active_outcome.false_flags.denominator == 7
    )


def test_the_scatter_puts_the_shadow_score_upwards():
    rows = [((0.05, "low"), (0.95, "high"), NO_CANCER)] * 6
    [cell] = comparison_compute(_pairs(rows)).scatter
    assert (cell.x, cell.top) == (0.0, pytest.approx(0.0)) and cell.count == 6
