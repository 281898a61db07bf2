"""The truth per episode kept in the KPI facts: it equals `episode_truth` (the one place that decides
it) for every episode, today and as follow-up windows pass; it follows every outcome change in the
change's transaction, equal to a rebuild; the outcome KPIs' SQL counts equal the rows' counts."""

from datetime import date, timedelta

import pytest
from django.db import transaction

from screening.campaigns.models import Episode, EpisodeResult
from screening.outcomes.episode_truth import Truth, add_months
from screening.outcomes.outcome_selectors import episode_truths
from screening.outcomes.outcome_services import (
    assessment_record,
    diagnosis_record,
    outcome_withdraw,
    pathology_record,
)
from screening.statistics.accuracy_rows import episode_rows
from screening.statistics.kpi_facts_services import kpi_facts_rebuild
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.models import EpisodeKpiFacts
from screening.statistics.outcome_fact_selectors import outcome_counts, screened_facts
from tests.factories import CampaignFactory, programme
from tests.statistics.accuracy_world import IMAGED_ON, accuracy_world, screened
from tests.statistics.reference_outcomes import counts_of_rows
from tests.statistics.test_kpi_facts import assert_as_rebuilt

pytestmark = pytest.mark.django_db
# Today, a day before the 36-month windows of 2021-03-01 end, the day they end, and long after.
DAYS = (None, date(2024, 2, 29), date(2024, 3, 1), date(2031, 1, 1))


def _facts_truths(user, day) -> dict[int, str]:
    facts = screened_facts(user=user, filters=KpiFilters(), today=day)
    return dict(facts.values_list("episode_id", "truth_now"))


def _python_truths(day) -> dict[int, str]:
    episodes = Episode.objects.select_related("campaign__programme")
    truths = episode_truths(episodes=episodes, follow_up_until=day)
    return {pk: truth.truth.value for pk, truth in truths.items() if truth.truth != Truth.NO_RESULT}


@pytest.mark.parametrize("day", DAYS)
def test_the_facts_truth_is_episode_truth_on_any_day(auditor, day):
    accuracy_world()
    assert _facts_truths(auditor, day) == _python_truths(day)


def test_routine_results_become_true_negatives_as_their_windows_end(auditor):
    accuracy_world()
    before = _facts_truths(auditor, date(2024, 2, 29))
    after = _facts_truths(auditor, date(2024, 3, 1))
    changed = {pk for pk in before if before[pk] != after[pk]}
    assert len(changed) == 24
    assert {before[pk] for pk in changed} == {Truth.UNKNOWN} and {after[pk] for pk in changed} == {
        Truth.TRUE_NEGATIVE
    }


@pytest.mark.parametrize("day", DAYS)
def test_the_outcome_counts_in_sql_equal_the_rows_counts(auditor, day):
    accuracy_world()
    rows = episode_rows(user=auditor, filters=KpiFilters(), follow_up_until=day)
    assert outcome_counts(screened_facts(user=auditor, filters=KpiFilters(), today=day), today=day) == (
        counts_of_rows(rows)
    )


def test_lung_interval_bands_past_its_interval_observe_nobody(auditor, coordinator_actor):
    lung = CampaignFactory(programme=programme("lung"), start_date=date(2022, 1, 1))
    episode = screened(lung, result=EpisodeResult.ROUTINE, imaged_on=date(2022, 1, 10), score=None, reads=[])
    kpi_facts_rebuild()
    fact = EpisodeKpiFacts.objects.get(episode_id=episode.pk)
    assert (fact.band_0_12_ends_on, fact.band_12_24_ends_on, fact.band_24_36_ends_on) == (
        date(2023, 1, 10),
        None,
        None,
    )
    counts = outcome_counts(screened_facts(user=auditor, filters=KpiFilters()), today=date(2030, 1, 1))
    assert [(band.observed, band.waiting) for band in counts.bands] == [(1, 0), (0, 0), (0, 0)]


def test_every_outcome_change_keeps_the_facts_as_rebuilt(coordinator_actor, auditor):
    breast = CampaignFactory(programme=programme("breast"), start_date=date(2021, 1, 1))
    recalled = screened(breast, result=EpisodeResult.RECALL, imaged_on=IMAGED_ON, score=None, reads=[])
    routine = screened(breast, result=EpisodeResult.ROUTINE, imaged_on=IMAGED_ON, score=None, reads=[])
    kpi_facts_rebuild()
    attended = IMAGED_ON + timedelta(days=20)

    def truth(episode) -> str:
        assert_as_rebuilt()
        return _facts_truths(auditor, None)[episode.pk]

    assert truth(recalled) == Truth.UNKNOWN
    assessment_record(
        actor=coordinator_actor, episode=recalled, outcome="normal_benign", attended_on=attended
    )
    assert truth(recalled) == Truth.FALSE_POSITIVE
    assessment_record(
        actor=coordinator_actor, episode=recalled, outcome="biopsy_taken", attended_on=attended, reason="Typo"
    )
    assert truth(recalled) == Truth.UNKNOWN  # the correction: pathology awaited
    assert EpisodeKpiFacts.objects.get(episode_id=recalled.pk).biopsied
    pathology = pathology_record(
        actor=coordinator_actor, episode=recalled, kind="dcis", side="L", diagnosed_on=attended
    )
    assert truth(recalled) == Truth.SCREEN_DETECTED
    assert EpisodeKpiFacts.objects.get(episode_id=recalled.pk).cancer_kind == "dcis"
    outcome_withdraw(actor=coordinator_actor, record=pathology, reason="Wrong participant")
    assert truth(recalled) == Truth.UNKNOWN
    assert truth(routine) == Truth.TRUE_NEGATIVE
    diagnosis = diagnosis_record(
        actor=coordinator_actor,
        patient=routine.patient,
        diagnosed_on=add_months(IMAGED_ON, 14),
        kind="invasive",
        reporting_source="Registry",
    )
    assert truth(routine) == Truth.INTERVAL_CANCER
    assert EpisodeKpiFacts.objects.get(episode_id=routine.pk).months_to_cancer == 14.0
    outcome_withdraw(actor=coordinator_actor, record=diagnosis, reason="Entered in error")
    assert truth(routine) == Truth.TRUE_NEGATIVE


def test_a_failed_outcome_change_leaves_the_facts_as_they_were(coordinator_actor, auditor):
    breast = CampaignFactory(programme=programme("breast"), start_date=date(2021, 1, 1))
    recalled = screened(breast, result=EpisodeResult.RECALL, imaged_on=IMAGED_ON, score=None, reads=[])
    kpi_facts_rebuild()
    with pytest.raises(RuntimeError), transaction.atomic():
        assessment_record(
            actor=coordinator_actor, episode=recalled, outcome="malignant", attended_on=IMAGED_ON
        )
        assert _facts_truths(auditor, None)[recalled.pk] == Truth.SCREEN_DETECTED
        raise RuntimeError("the change fails after the facts moved")
    assert _facts_truths(auditor, None)[recalled.pk] == Truth.UNKNOWN
