"""The simulator on accuracy_world's hand-worked double-read campaign: the policy in force replayed
reproduces the statistics pages' figures exactly; other policies give the hand-worked figures.

By hand ("Accuracy 2021", 50 episodes: 10 screen-detected, 6 interval cancers, 8 false positives,
24 true negatives, 2 recalled with the truth unknown; 106 signed reads):
- AI as second reader at 0.5: 19 recalls, 10 of 16 cancers, 25 of 32 negatives kept routine, 58 reads.
- triage below 0.3 (policy in force otherwise): 18 recalls, 10 of 16, 26 of 32, 74 reads.
- safety net at 0.5: 22 recalls, 11 of 16, 23 of 32, 106 reads.
"""

import pytest

from screening.policies.policy_replay import AI_SECOND, Policy
from screening.policies.scenario_selectors import scenario_run
from screening.statistics.accuracy_selectors import accuracy_board, outcomes_board
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.kpi_selectors import kpi_overview
from tests.statistics.accuracy_world import accuracy_world


@pytest.fixture
def world(db):
    return accuracy_world()


def _figures(result):
    projected = result.projected
    return (
        projected.recall_rate.numerator,
        projected.sensitivity.numerator,
        projected.sensitivity.denominator,
        projected.specificity.numerator,
        projected.specificity.denominator,
        projected.workload.reads,
    )


def test_the_policy_in_force_reproduces_the_statistics_pages_exactly(auditor, world):
    campaign = world["campaign"]
    result = scenario_run(user=auditor, campaign=campaign, policy=Policy())
    filters = KpiFilters(campaign=campaign.pk)
    final = next(d for d in accuracy_board(user=auditor, filters=filters).decisions if d.key == "final")
    detection = next(
        f
        for f in outcomes_board(user=auditor, filters=filters).figures
        if f.measure == "cancer_detection_rate"
    )
    recall_rate = kpi_overview(user=auditor, filters=filters)[0].figure("recall_rate").share
    assert result.projected == result.real
    assert result.kept == "<5" and result.episodes == 50
    assert result.real.sensitivity == final.sensitivity
    assert result.real.specificity == final.specificity
    assert result.real.detection_rate == detection.share
    assert result.real.recall_rate == recall_rate
    assert result.real.workload.reads == 106


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (Policy(base=AI_SECOND, ai_threshold=0.5), (19, 10, 16, 25, 32, 58)),
        (Policy(triage_below=0.3), (18, 10, 16, 26, 32, 74)),
        (Policy(safety_net_at=0.5), (22, 11, 16, 23, 32, 106)),
    ],
)
def test_other_policies_give_the_hand_worked_figures(auditor, world, policy, expected):
    result = scenario_run(user=auditor, campaign=world["campaign"], policy=policy)
    assert _figures(result) == expected
    assert result.chart is not None and len(result.chart.rows) == 101


def test_a_coordinator_outside_the_campaign_replays_nothing(coordinator, world):
    result = scenario_run(user=coordinator, campaign=world["campaign"], policy=Policy())
    assert result.episodes == "<5" and result.real.recall_rate.suppressed
