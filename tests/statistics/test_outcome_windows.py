"""Interval cancer windows, unknowns and Lung-RADS rows on plain episode rows; a synthetic cohort's
known reader sensitivity inside its interval."""

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from screening.campaigns.models import EpisodeResult
from screening.core.actors import Actor
from screening.core.roles import Role
from screening.outcomes.episode_truth import Truth, add_months
from screening.outcomes.outcome_services import assessment_record, diagnosis_record, pathology_record
from screening.reading.models import ReadRole
from screening.statistics.accuracy_counts import NEGATIVE, POSITIVE, UNKNOWN, accuracy_counts
from screening.statistics.accuracy_figures import decision_figures
from screening.statistics.accuracy_rows import EpisodeRow
from screening.statistics.accuracy_selectors import selection
from screening.statistics.kpi_facts_services import kpi_facts_rebuild
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.outcome_kpis import lung_rads_rows
from tests.factories import CampaignFactory, UserFactory, programme
from tests.statistics.accuracy_world import screened
from tests.statistics.reference_outcomes import interval_band_counts, outcome_kpis

SCREENED = date(2020, 1, 15)


def row(truth: Truth, *, months: float | None = None, until: date = date(2024, 1, 1), **extra) -> EpisodeRow:
    recalled = truth in (Truth.SCREEN_DETECTED, Truth.FALSE_POSITIVE)
    result = extra.pop("result", "recall" if recalled else "routine")
    fields = {"screened_on": SCREENED, "follow_up_until": until, "interval_months": 36, "programme": "breast"}
    return EpisodeRow(0, result=result, truth=truth, months_to_cancer=months, **(fields | extra))


def test_interval_cancers_fall_in_their_band_and_the_last_band_includes_its_end():
    rows = [row(Truth.INTERVAL_CANCER, months=m) for m in (0.0, 11.9, 12.0, 23.9, 24.0, 36.0)]
    assert interval_band_counts(rows, 0, 12)[0] == 2
    assert interval_band_counts(rows, 12, 24)[0] == 2
    assert interval_band_counts(rows, 24, 36)[0] == 2


def test_a_band_not_yet_observed_counts_its_episodes_as_unknown_not_negative():
    until = add_months(SCREENED, 18)
    rows = [row(Truth.UNKNOWN, until=until) for _ in range(6)] + [
        row(Truth.INTERVAL_CANCER, months=14.0, until=until)
    ]
    assert interval_band_counts(rows, 0, 12) == (0, 7, 0)
    assert interval_band_counts(rows, 12, 24) == (0, 0, 7)  # the cancer waits with its band
    figures = {figure.measure: figure for figure in outcome_kpis(rows)}
    band = figures["interval_cancer_rate_12_24"]
    assert band.share.denominator == "<5" and band.unknown == 7


def test_lung_has_only_its_12_month_band():
    rows = [row(Truth.INTERVAL_CANCER, months=12.0, programme="lung", interval_months=12)]
    assert interval_band_counts(rows, 0, 12) == (1, 1, 0)  # 12 months: the window's last day, included
    assert interval_band_counts(rows, 12, 24) == (0, 0, 0)


def test_unknown_recalls_stay_out_of_the_ppv_and_are_shown():
    rows = (
        [row(Truth.SCREEN_DETECTED)] * 6
        + [row(Truth.FALSE_POSITIVE)] * 6
        + [row(Truth.UNKNOWN, result="recall")] * 7
    )
    figures = {figure.measure: figure for figure in outcome_kpis(rows)}
    assert figures["ppv_of_recall"].share.denominator == 12 and figures["ppv_of_recall"].unknown == 7
    assert figures["ppv_of_recall"].share.value == pytest.approx(50.0)


def test_lung_rads_rows_by_hand():
    combinations = [
        (NEGATIVE, ("2", "", ""), 20),
        (NEGATIVE, ("4A", "", ""), 5),
        (POSITIVE, ("2", "4A", ""), 5),  # the more severe of the two reads
        (UNKNOWN, ("4A", "4X", "4B"), 2),  # the arbitrator's category decides
    ]
    table = {category.category: category for category in lung_rads_rows(combinations)}
    assert table["2"].episodes == 20 and table["2"].share.value == pytest.approx(100 * 20 / 32)
    assert table["4A"].cancer_share.value == pytest.approx(50.0)
    assert table["4B"].episodes == "<5" and table["4B"].share.suppressed and table["4B"].unknown == "<5"


@pytest.mark.django_db
def test_a_synthetic_cohorts_known_reader_sensitivity_lies_inside_its_interval(auditor):
    """200 participants, 60 with a cancer; the reader recalls a cancer with probability 0.8 and a
    cancer-free participant with 0.1; outcomes recorded through the outcome services."""
    rng = random.Random(13)
    campaign = CampaignFactory(programme=programme("breast"), name="Synthetic", start_date=date(2020, 1, 1))
    reader = UserFactory(username="synthreader", role=Role.RADIOLOGIST)
    recorder = Actor.for_user(UserFactory(username="synthrecorder", role=Role.COORDINATOR))
    imaged_on = timezone.localdate() - timedelta(days=365 * 4)
    for n in range(200):
        cancer, recall = n < 60, rng.random() < (0.8 if n < 60 else 0.1)
        result = EpisodeResult.RECALL if recall else EpisodeResult.ROUTINE
        reads = [(ReadRole.FIRST, reader, recall, True)]
        episode = screened(campaign, result=result, imaged_on=imaged_on, score=None, reads=reads)
        attended = imaged_on + timedelta(days=14)
        if recall:
            outcome = "biopsy_taken" if cancer else "normal_benign"
            assessment_record(actor=recorder, episode=episode, outcome=outcome, attended_on=attended)
            if cancer:
                pathology_record(
                    actor=recorder, episode=episode, kind="invasive", side="R", diagnosed_on=attended
                )
        elif cancer:  # the missed cancer surfaces months later
            diagnosis_record(
                actor=recorder,
                patient=episode.patient,
                diagnosed_on=imaged_on + timedelta(days=200),
                kind="invasive",
                reporting_source="Registry",
            )
    kpi_facts_rebuild()  # the episodes were written by factories
    counts = accuracy_counts(selection(user=auditor, filters=KpiFilters(campaign=campaign.pk)))
    assert set(counts.screened) == {POSITIVE, NEGATIVE}  # every truth known
    first = next(figure for figure in decision_figures(counts) if figure.key == "first_read")
    assert first.sensitivity.denominator == 60
    assert first.sensitivity.low <= 80.0 <= first.sensitivity.high
    assert first.specificity.low <= 90.0 <= first.specificity.high
