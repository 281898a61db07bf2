"""The truth of an episode, case by case, from plain facts (no database)."""

from datetime import date

import pytest

from screening.outcomes.episode_truth import EpisodeFacts, Truth, add_months, episode_truth, months_between

SCREENED = date(2024, 3, 15)
BREAST_INTERVAL = 36
LONG_AFTER = date(2030, 1, 1)


def facts(**changes) -> EpisodeFacts:
    values = {
        "result": "routine",
        "screened_on": SCREENED,
        "interval_months": BREAST_INTERVAL,
        "follow_up_until": LONG_AFTER,
    }
    return EpisodeFacts(**(values | changes))


def test_routine_result_with_the_whole_window_observed_and_no_cancer_is_a_true_negative():
    truth = episode_truth(facts())
    assert truth.truth == Truth.TRUE_NEGATIVE
    assert truth.window_ends_on == date(2027, 3, 15)


def test_routine_result_while_the_window_is_still_open_is_unknown_never_negative():
    truth = episode_truth(facts(follow_up_until=date(2027, 3, 14)))
    assert truth.truth == Truth.UNKNOWN
    assert "2027-03-15" in truth.reason


def test_the_window_is_observed_from_its_last_day_on():
    assert episode_truth(facts(follow_up_until=date(2027, 3, 15))).truth == Truth.TRUE_NEGATIVE


@pytest.mark.parametrize(
    ("diagnosed_on", "months"),
    [
        (date(2024, 3, 15), 0.0),
        (date(2025, 3, 15), 12.0),
        (date(2026, 9, 15), 30.0),
        (date(2027, 3, 15), 36.0),
    ],
)
def test_a_cancer_after_a_routine_result_within_the_interval_is_an_interval_cancer(diagnosed_on, months):
    truth = episode_truth(facts(cancer_diagnosed_on=[diagnosed_on], follow_up_until=date(2025, 1, 1)))
    assert truth.truth == Truth.INTERVAL_CANCER
    assert truth.months_to_cancer == months


def test_a_cancer_a_day_after_the_interval_is_not_an_interval_cancer_of_that_round():
    truth = episode_truth(facts(cancer_diagnosed_on=[date(2027, 3, 16)]))
    assert truth.truth == Truth.TRUE_NEGATIVE


def test_the_window_is_the_programmes_interval_lung_twelve_months():
    lung = {"interval_months": 12, "follow_up_until": date(2026, 1, 1)}
    assert (
        episode_truth(facts(**lung, cancer_diagnosed_on=[date(2025, 3, 15)])).truth == Truth.INTERVAL_CANCER
    )
    assert episode_truth(facts(**lung, cancer_diagnosed_on=[date(2025, 3, 16)])).truth == Truth.TRUE_NEGATIVE


def test_a_cancer_before_the_screen_is_not_counted_against_it():
    truth = episode_truth(facts(cancer_diagnosed_on=[date(2024, 3, 14)]))
    assert truth.truth == Truth.TRUE_NEGATIVE


@pytest.mark.parametrize(
    "evidence",
    [
        {"assessment_outcome": "malignant"},
        {"assessment_outcome": "biopsy_taken", "pathology_cancer": True},
        {"assessment_outcome": "normal_benign", "cancer_diagnosed_on": [date(2024, 9, 1)]},
        {"assessment_outcome": "did_not_attend", "cancer_diagnosed_on": [date(2024, 9, 1)]},
    ],
)
def test_a_recall_with_a_proven_cancer_is_screen_detected(evidence):
    truth = episode_truth(facts(result="recall", follow_up_until=date(2024, 10, 1), **evidence))
    assert truth.truth == Truth.SCREEN_DETECTED


@pytest.mark.parametrize(
    "evidence",
    [
        {"assessment_outcome": "normal_benign"},
        {"assessment_outcome": "biopsy_taken", "pathology_benign_only": True},
    ],
)
def test_a_recall_assessed_as_normal_or_benign_is_a_false_positive(evidence):
    truth = episode_truth(facts(result="recall", follow_up_until=date(2024, 4, 1), **evidence))
    assert truth.truth == Truth.FALSE_POSITIVE


@pytest.mark.parametrize(
    ("assessment", "reason"),
    [("", "no assessment"), ("biopsy_taken", "pathology is awaited"), ("did_not_attend", "did not attend")],
)
def test_a_recall_not_yet_settled_is_unknown(assessment, reason):
    truth = episode_truth(facts(result="recall", assessment_outcome=assessment))
    assert truth.truth == Truth.UNKNOWN
    assert reason in truth.reason


def test_a_cancer_after_a_false_positive_recall_window_leaves_it_a_false_positive():
    truth = episode_truth(
        facts(result="recall", assessment_outcome="normal_benign", cancer_diagnosed_on=[date(2027, 6, 1)])
    )
    assert truth.truth == Truth.FALSE_POSITIVE


@pytest.mark.parametrize("result", ["", "technical_recall"])
def test_no_routine_or_recall_result_has_no_truth(result):
    assert episode_truth(facts(result=result)).truth == Truth.NO_RESULT
    assert episode_truth(facts(screened_on=None)).truth == Truth.NO_RESULT


def test_months_count_from_the_screen_and_windows_end_on_real_days():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 30), 36) == date(2026, 11, 30)
    assert months_between(date(2024, 1, 1), date(2025, 1, 1)) == 12.0
