"""The replay's rules on small arrays worked by hand, and its figures' intervals against scipy."""

import math

import numpy as np
import pytest
from scipy import stats

from screening.policies.policy_figures import replay_figures, workload
from screening.policies.policy_replay import (
    AI_SECOND,
    AI_SECOND_READER,
    CANCER,
    DOUBLE_BLIND,
    NO_CANCER,
    NO_READ,
    OTHER,
    RECALL,
    ROUTINE,
    SINGLE,
    UNKNOWN,
    History,
    Policy,
    policy_curve,
    policy_replay,
    replay_counts,
)

N = NO_READ


def history(rows):
    """rows: (truth, real recall, score or None, threshold, rule, first, second, arbitration)."""
    cols = list(zip(*rows, strict=True))
    return History(
        truth=np.array(cols[0], dtype=np.int8),
        recalled=np.array(cols[1], dtype=bool),
        score=np.array([np.nan if s is None else s for s in cols[2]], dtype=np.float64),
        threshold=np.array(cols[3], dtype=np.float64),
        rule=np.array(cols[4], dtype=np.int8),
        first=np.array(cols[5], dtype=np.int8),
        second=np.array(cols[6], dtype=np.int8),
        arbitration=np.array(cols[7], dtype=np.int8),
    )


# 0 double, concordant recall; 1 double, discordant, arbitrated routine; 2 single routine;
# 3 AI second reader, reader recall + AI recall; 4 AI second reader, discordant, arbitrated recall;
# 5 double, technical + recall = recall; 6 result from an override (no reads); 7 unscored single.
ROWS = [
    (CANCER, True, 0.9, 0.5, DOUBLE_BLIND, RECALL, RECALL, N),
    (NO_CANCER, False, 0.6, 0.5, DOUBLE_BLIND, RECALL, ROUTINE, ROUTINE),
    (UNKNOWN, False, 0.1, 0.5, SINGLE, ROUTINE, N, N),
    (CANCER, True, 0.7, 0.5, AI_SECOND_READER, RECALL, N, N),
    (NO_CANCER, True, 0.2, 0.5, AI_SECOND_READER, RECALL, N, RECALL),
    (CANCER, True, 0.4, 0.5, DOUBLE_BLIND, OTHER, RECALL, N),
    (CANCER, True, 0.3, 0.5, DOUBLE_BLIND, N, N, N),
    (NO_CANCER, False, None, 0.5, SINGLE, ROUTINE, N, N),
]


def test_the_policy_in_force_rebuilds_each_result_from_its_reads():
    h = history(ROWS)
    replay = policy_replay(h, Policy())
    assert replay.recalled.tolist() == h.recalled.tolist()
    assert replay.reads.tolist() == [2, 3, 1, 1, 2, 2, 0, 1]
    assert replay.kept == 1  # the override: no read rebuilds it


def test_the_recorded_result_stands_where_the_reads_disagree_and_is_counted():
    rows = [(CANCER, False, 0.9, 0.5, DOUBLE_BLIND, RECALL, RECALL, N)]  # reads say recall: an override
    replay = policy_replay(history(rows), Policy())
    assert replay.recalled.tolist() == [False] and replay.kept == 1


def test_ai_as_second_reader_arbitrates_disagreements_with_the_signed_call_else_the_real_result():
    h = history(ROWS)
    replay = policy_replay(h, Policy(base=AI_SECOND, ai_threshold=0.65))
    # 0 agree recall (1 read); 1 reader recall, AI no -> arbitration signed routine (2 reads);
    # 2 agree routine (1); 3 agree recall (1); 4 reader recall, AI no -> signed recall (2);
    # 5 first read technical: keeps the policy in force (2 reads); 6 no first read: in force;
    # 7 unscored: in force.
    assert replay.recalled.tolist() == [True, False, False, True, True, True, True, False]
    assert replay.reads.tolist() == [1, 2, 1, 1, 2, 2, 0, 1]
    no_arbitration = [(NO_CANCER, True, 0.2, 0.5, DOUBLE_BLIND, RECALL, ROUTINE, N)]
    # Disagreement, no arbitration in the history: the real result stands for the arbitrator's.
    kept = policy_replay(history(no_arbitration), Policy(base=AI_SECOND, ai_threshold=0.5))
    assert kept.recalled.tolist() == [True] and kept.reads.tolist() == [2]


def test_triage_sends_low_scores_to_the_first_reader_alone_and_the_safety_net_recalls_high_ones():
    h = history(ROWS)
    triaged = policy_replay(h, Policy(triage_below=0.65))
    assert triaged.recalled.tolist() == [True, True, False, True, True, True, True, False]
    assert triaged.reads.tolist() == [2, 1, 1, 1, 1, 2, 0, 1]
    netted = policy_replay(h, Policy(safety_net_at=0.35))
    assert netted.recalled.tolist() == [True, True, False, True, True, True, True, False]
    assert netted.reads.tolist() == policy_replay(h, Policy()).reads.tolist()


def test_a_policy_is_refused_without_its_threshold_or_outside_zero_to_one():
    with pytest.raises(ValueError):
        Policy(base=AI_SECOND)
    with pytest.raises(ValueError):
        Policy(ai_threshold=0.5)
    with pytest.raises(ValueError):
        Policy(triage_below=1.5)


def test_figures_and_intervals_against_scipy_and_by_hand():
    rng = np.random.default_rng(4)
    truth = rng.choice([CANCER, NO_CANCER, UNKNOWN], size=2000, p=[0.05, 0.9, 0.05]).astype(np.int8)
    recalled = rng.random(2000) < np.where(truth == CANCER, 0.8, 0.06)
    reads = rng.integers(1, 4, size=2000)
    counts = replay_counts(truth, recalled, reads)
    figures = replay_figures(counts)
    cancers = int((truth == CANCER).sum())
    detected = int((recalled & (truth == CANCER)).sum())
    ci = stats.binomtest(detected, cancers).proportion_ci(method="wilson")
    assert figures.sensitivity.value == pytest.approx(100 * detected / cancers)
    assert (figures.sensitivity.low, figures.sensitivity.high) == pytest.approx((100 * ci.low, 100 * ci.high))
    negatives = int((truth == NO_CANCER).sum())
    kept = int((~recalled & (truth == NO_CANCER)).sum())
    ci = stats.binomtest(kept, negatives).proportion_ci(method="wilson")
    assert (figures.specificity.low, figures.specificity.high) == pytest.approx((100 * ci.low, 100 * ci.high))
    assert figures.recall_rate.value == pytest.approx(100 * recalled.mean())
    assert figures.detection_rate.value == pytest.approx(1000 * detected / 2000)
    load = workload(counts)
    half = 1.959964 * reads.std(ddof=1) / math.sqrt(2000)
    assert load.per_thousand == pytest.approx(1000 * reads.mean())
    assert (load.low, load.high) == pytest.approx(
        (1000 * (reads.mean() - half), 1000 * (reads.mean() + half))
    )


def test_small_histories_are_suppressed():
    h = history(ROWS[:4])
    figures = replay_figures(replay_counts(h.truth, h.recalled, h.reads))
    assert (
        figures.episodes == "<5" and figures.sensitivity.suppressed and figures.workload.per_thousand is None
    )


def test_the_curve_equals_one_replay_per_threshold():
    rng = np.random.default_rng(7)
    n = 500
    h = History(
        truth=rng.choice([CANCER, NO_CANCER], size=n, p=[0.1, 0.9]).astype(np.int8),
        recalled=rng.random(n) < 0.1,
        score=rng.random(n),
        threshold=np.full(n, 0.5),
        rule=np.full(n, DOUBLE_BLIND, dtype=np.int8),
        first=rng.choice([ROUTINE, RECALL], size=n, p=[0.9, 0.1]).astype(np.int8),
        second=rng.choice([ROUTINE, RECALL], size=n, p=[0.9, 0.1]).astype(np.int8),
        arbitration=np.full(n, NO_READ, dtype=np.int8),
    )
    policy = Policy(base=AI_SECOND, ai_threshold=0.5)
    curve = policy_curve(h, policy, "ai_threshold", np.array([0.2, 0.5, 0.8]))
    for index, t in enumerate((0.2, 0.5, 0.8)):
        replay = policy_replay(h, Policy(base=AI_SECOND, ai_threshold=t))
        assert curve.recall_rate[index] == pytest.approx(100 * replay.recalled.mean())
        assert curve.reads_per_thousand[index] == pytest.approx(1000 * replay.reads.mean())
