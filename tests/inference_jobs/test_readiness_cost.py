"""A CT sent slice by slice: each arrival's readiness check reads as many rows whatever the study
already holds (it read every slice of the study again: 45 000 rows for a 300-slice CT)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from screening.imaging.intake_signals import ReceivedStudies
from screening.inference_jobs.job_enqueue import on_studies_received
from screening.inference_jobs.models import InferenceJob
from screening.inference_jobs.study_readiness import study_readiness
from tests.inference_jobs.job_fixtures import ai_campaign, ct_slice, imaged_episode, matched_study

pytestmark = pytest.mark.django_db

MINIMUM = 16
SLICES = 300


@pytest.fixture(autouse=True)
def ct_minimum(settings):
    settings.INFERENCE_CT_MIN_SLICES = MINIMUM


def rows_read(queries: CaptureQueriesContext) -> int:
    """The rows the captured SELECTs returned, each run again as it was sent."""
    rows = 0
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if query["sql"].lstrip().upper().startswith("SELECT"):
                cursor.execute(query["sql"])
                rows += len(cursor.fetchall())
    return rows


def arrival_cost(study_id: int) -> tuple[int, int]:
    """(queries, rows) of intake announcing the study once, as after each C-STORE association."""
    ids = frozenset({study_id})
    with CaptureQueriesContext(connection) as queries:
        on_studies_received(sender=None, study_ids=ids, studies=ReceivedStudies(ids))
    return len(queries), rows_read(queries)


def test_each_slice_of_a_ct_sent_one_by_one_costs_the_same_rows(model_root, sent):
    study, series = matched_study(imaged_episode(ai_campaign("lung")), "CT")
    cost, queued_at = {}, None
    for number in range(1, SLICES + 1):
        ct_slice(series, number, number * 2.5)
        cost[number] = arrival_cost(study.pk)
        if queued_at is None and InferenceJob.objects.filter(study=study).exists():
            queued_at = number
    assert queued_at == MINIMUM  # queued as soon as the volume is complete enough, as before
    assert InferenceJob.objects.filter(study=study).count() == 1
    assert cost[10] == cost[5]  # not ready yet: slice 10 costs what slice 5 did
    assert cost[SLICES] == cost[20]  # queued: the last slice costs what slice 20 did
    assert cost[MINIMUM][1] >= MINIMUM  # the slice that completes the volume: its slices read once
    assert max(rows for number, (_, rows) in cost.items() if number != MINIMUM) < MINIMUM
    assert sum(rows for _, rows in cost.values()) < 5 * SLICES  # before: 46 036 rows


@pytest.mark.parametrize(("frames", "ready"), [(MINIMUM, True), (MINIMUM - 1, False)])
def test_a_multi_frame_volume_is_ready_by_its_frames(frames, ready):
    study, series = matched_study(imaged_episode(ai_campaign("lung")), "CT")
    ct_slice(series, 1, 0.0, frames=frames)
    readiness = study_readiness(study)
    assert readiness.ready is ready
    assert readiness.reason == ("" if ready else f"fewer than {MINIMUM} slices")


def test_a_ct_study_without_images_is_not_ready():
    study, _ = matched_study(imaged_episode(ai_campaign("lung")), "CT")
    assert study_readiness(study).reason == "no images"


def test_the_largest_series_gives_the_reason():
    study, series = matched_study(imaged_episode(ai_campaign("lung")), "CT")
    for number in range(1, MINIMUM + 3):
        ct_slice(series, number, 0.0 if number == 3 else number * 2.5)  # one position repeated
    other = series.__class__.objects.create(study=study, series_instance_uid="1.2.3.4", modality="CT")
    ct_slice(other, 1, 0.0)
    assert study_readiness(study).reason == "uneven slice spacing or a gap in the volume"
