"""The accuracy figures' counts in SQL (grouped KPI facts) against the Python reference that
counts plain episode rows read by read; and the AI and read facts following their sources."""

from collections import Counter, defaultdict

import numpy as np
import pytest

from screening.campaigns.models import EpisodeResult
from screening.inference_jobs.models import InferenceJob, InferenceResult
from screening.inference_jobs.result_signals import ai_result_stored
from screening.reading.models import ReadRole
from screening.statistics.accuracy_counts import (
    NEGATIVE,
    UNKNOWN,
    accuracy_counts,
    lung_category_counts,
    reader_counts,
)
from screening.statistics.accuracy_rows import episode_rows
from screening.statistics.accuracy_selectors import selection
from screening.statistics.kpi_facts_services import kpi_facts_rebuild
from screening.statistics.kpi_scope import KpiFilters
from screening.statistics.models import EpisodeKpiFacts
from tests.factories import CampaignFactory, UserFactory, programme
from tests.statistics.accuracy_world import IMAGED_ON, accuracy_world, screened, truth_and_scores
from tests.statistics.reference_outcomes import decision_tallies, truth_class


@pytest.fixture
def world(db):
    return accuracy_world()


def test_every_decisions_tally_in_sql_equals_the_rows_read_by_read(world, auditor):
    filters = KpiFilters()
    counts = accuracy_counts(selection(user=auditor, filters=filters))
    reference = decision_tallies(episode_rows(user=auditor, filters=filters))
    assert counts.decisions == reference
    assert counts.screened == Counter(truth_class(row) for row in episode_rows(user=auditor, filters=filters))


def test_each_readers_counts_in_sql_equal_the_rows(world, auditor):
    filters = KpiFilters(campaign=world["campaign"].pk)
    rows = episode_rows(user=auditor, filters=filters)
    expected: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        for read in row.reads:
            if read.role == "arbitration":
                continue
            expected[read.reader_id]["reads"] += 1
            expected[read.reader_id]["recalls"] += bool(read.recall)
            if row.ai_recall is not None and read.recall is not None:
                expected[read.reader_id]["agree_ai"] += read.recall == row.ai_recall
    found = reader_counts(selection(user=auditor, filters=filters))
    assert set(found) == set(expected)
    for reader, counts in found.items():
        agree_ai = int(np.trace(counts.with_ai))
        assert (counts.reads, counts.recalls, agree_ai) == (
            expected[reader]["reads"],
            expected[reader]["recalls"],
            expected[reader]["agree_ai"],
        )
    arbitrator = {read.reader_id for row in rows for read in row.reads if read.role == "arbitration"}
    assert not arbitrator & set(found)  # an arbitrator without first or second reads is not listed


def test_the_score_histogram_gives_back_every_known_score(world, auditor):
    filters = KpiFilters(campaign=world["campaign"].pk)
    histogram = accuracy_counts(selection(user=auditor, filters=filters)).histogram
    truth, scores = histogram.arrays()
    expected_truth, expected_scores = truth_and_scores()
    order = np.lexsort((-np.asarray(expected_truth), np.asarray(expected_scores)))  # cancers first
    assert scores == pytest.approx(np.asarray(expected_scores)[order])
    assert truth.tolist() == np.asarray(expected_truth)[order].tolist()
    assert histogram.unknown == 2  # the two recalls awaiting assessment


@pytest.mark.django_db
def test_an_ai_result_stored_later_reaches_the_facts():
    campaign = CampaignFactory(programme=programme("breast"))
    episode = screened(campaign, result=EpisodeResult.ROUTINE, imaged_on=IMAGED_ON, score=None, reads=[])
    kpi_facts_rebuild()
    assert EpisodeKpiFacts.objects.get(episode_id=episode.pk).ai_score is None
    study = episode.studies.get()
    job = InferenceJob.objects.create(
        study=study, model_name="m", model_version="2", queued_at=episode.imaged_at
    )
    result = InferenceResult.objects.create(
        job=job,
        study=study,
        model_name="m",
        model_version="2",
        programme="breast",
        study_score=0.7,
        band="high",
        high_threshold=0.5,
        low_threshold=0.1,
    )
    ai_result_stored.send(sender=InferenceResult, study_ids=[study.pk], result_ids=[result.pk])
    fact = EpisodeKpiFacts.objects.get(episode_id=episode.pk)
    assert (fact.ai_score, fact.ai_model, fact.ai_threshold) == (0.7, "m:2", 0.5)


@pytest.mark.django_db
def test_the_lung_categories_come_from_each_roles_signed_opinion(auditor):
    lung = CampaignFactory(programme=programme("lung"))
    first, second = UserFactory(username="lungfirst"), UserFactory(username="lungsecond")
    reads = [(ReadRole.FIRST, first, False, True, "2"), (ReadRole.SECOND, second, True, True, "4A")]
    screened(lung, result=EpisodeResult.RECALL, imaged_on=IMAGED_ON, score=None, reads=reads)
    kpi_facts_rebuild()
    facts = selection(user=auditor, filters=KpiFilters(campaign=lung.pk))
    assert lung_category_counts(facts) == [(UNKNOWN, ("2", "4A", ""), 1)]
    assert NEGATIVE not in accuracy_counts(facts).screened
