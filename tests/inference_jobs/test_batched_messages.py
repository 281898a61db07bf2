"""Several jobs per message: each keeps its own row, attempt and result; one's failure spares the others."""

import base64
import functools
from io import BytesIO

import numpy as np
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from screening.imaging.intake_signals import studies_announce
from screening.inference_jobs import heatmap_overlay, tasks, worker_inference
from screening.inference_jobs.job_dispatch import even_shares, message_count
from screening.inference_jobs.models import InferenceImageResult, InferenceJob, InferenceResult, JobStatus
from screening.inference_jobs.result_services import Prediction, results_store
from tests.inference_jobs.conftest import prediction_for
from tests.inference_jobs.job_fixtures import ai_campaign, ai_consent_withdraw, imaged_episode, mg_study

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(media_in_tmp, model_root):
    return media_in_tmp


def _announce(count, django_capture_on_commit_callbacks, campaign=None):
    campaign = campaign or ai_campaign()
    studies = [mg_study(imaged_episode(campaign)) for _ in range(count)]
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk for study in studies])
    return list(InferenceJob.objects.filter(study__in=studies).order_by("pk"))


@pytest.mark.parametrize(
    ("items", "count", "sizes"),
    [(10, 3, [4, 3, 3]), (12, 2, [6, 6]), (32, 4, [8, 8, 8, 8]), (1, 4, [1]), (0, 2, []), (5, 9, [1] * 5)],
)
def test_jobs_are_cut_into_even_shares(items, count, sizes):
    shares = even_shares(list(range(items)), count)
    assert [len(share) for share in shares] == sizes
    assert [item for share in shares for item in share] == list(range(items))


@pytest.mark.parametrize(
    ("jobs", "images", "messages"),
    [(32, 4, 4), (12, 64, 6), (1, 300, 1), (3, 4, 1), (9, 4, 2)],
)
def test_messages_hold_at_most_the_jobs_and_about_the_images_allowed(jobs, images, messages, settings):
    settings.INFERENCE_JOBS_PER_MESSAGE, settings.INFERENCE_IMAGES_PER_MESSAGE = 8, 128
    assert message_count([(job_id, images) for job_id in range(jobs)]) == messages


def test_jobs_queued_together_share_messages_each_with_its_own_attempt(
    django_capture_on_commit_callbacks, sent, settings
):
    settings.INFERENCE_JOBS_PER_MESSAGE = 4
    jobs = _announce(10, django_capture_on_commit_callbacks)
    assert [len(message["jobs"]) for message in sent.messages] == [4, 3, 3]
    assert sorted(entry["job_id"] for entry in sent) == [job.pk for job in jobs]
    assert all(entry["attempt"] == 1 and len(entry["images"]) == 4 for entry in sent)
    assert all(job.attempts == 1 and job.status == JobStatus.QUEUED for job in jobs)


def _run(message, monkeypatch, fail: dict[int, Exception]):
    """Run the inference task in-process (eager, as `make run` does) with a stand-in predictor."""

    def predict_study(*, images, **kwargs):
        reference = images[0][0]
        if reference in fail:
            raise fail[reference]
        job = next(entry for entry in message["jobs"] if entry["images"][0][0] == reference)
        return prediction_for({**message, **job}, score=0.6)

    def studies_predict(*, studies, **kwargs):
        for study in studies:
            yield functools.partial(predict_study, images=study() if callable(study) else study)

    monkeypatch.setattr(worker_inference, "studies_predict", studies_predict)
    monkeypatch.setattr(worker_inference, "device_name", lambda: "cpu")
    tasks.inference_run.apply(kwargs={key: message[key] for key in ("model_name", "model_version", "jobs")})


def test_a_study_that_cannot_be_scored_fails_alone_and_the_others_of_its_message_succeed(
    django_capture_on_commit_callbacks, sent, monkeypatch
):
    jobs = _announce(3, django_capture_on_commit_callbacks)
    [message] = sent.messages
    bad = message["jobs"][1]
    _run(message, monkeypatch, {bad["images"][0][0]: worker_inference.PermanentInputError("missing views")})
    statuses = {job.pk: job.status for job in InferenceJob.objects.filter(pk__in=[j.pk for j in jobs])}
    assert statuses[bad["job_id"]] == JobStatus.FAILED
    assert [status for pk, status in statuses.items() if pk != bad["job_id"]] == [JobStatus.SUCCEEDED] * 2
    assert InferenceResult.objects.count() == 2 and InferenceImageResult.objects.count() == 8
    for job in InferenceJob.objects.filter(status=JobStatus.SUCCEEDED):
        history = list(job.events.values_list("to_status", flat=True))
        assert history == ["queued", "running", "succeeded"]
        assert job.worker and job.device == "cpu" and job.timings_ms["total"] == 6.0


def test_a_time_limit_mid_message_keeps_the_results_so_far_and_retries_the_rest(
    django_capture_on_commit_callbacks, sent, monkeypatch
):
    _announce(3, django_capture_on_commit_callbacks)
    [message] = sent.messages
    second = message["jobs"][1]
    with django_capture_on_commit_callbacks(execute=True):
        _run(message, monkeypatch, {second["images"][0][0]: SoftTimeLimitExceeded()})
    first, *rest = (InferenceJob.objects.get(pk=entry["job_id"]) for entry in message["jobs"])
    assert first.status == JobStatus.SUCCEEDED
    assert all(job.status == JobStatus.QUEUED and job.attempts == 2 for job in rest)
    assert all("time limit exceeded" in job.error for job in rest)
    assert sorted(entry["job_id"] for entry in sent[3:]) == sorted(job.pk for job in rest)


def test_results_stored_twice_are_stored_once_whole_batches_included(
    django_capture_on_commit_callbacks, sent
):
    _announce(2, django_capture_on_commit_callbacks)
    predictions = [Prediction(entry["job_id"], 1, prediction_for(entry)) for entry in sent]
    first = results_store(predictions=predictions)
    again = results_store(predictions=predictions)
    doubled = results_store(predictions=predictions + predictions)
    assert len(first) == 2 and again == [] and doubled == []
    assert InferenceResult.objects.count() == 2 and InferenceImageResult.objects.count() == 8
    assert not InferenceJob.objects.exclude(status=JobStatus.SUCCEEDED).exists()


def test_a_malformed_result_fails_its_job_and_an_unconsented_one_is_dropped_the_rest_are_stored(
    django_capture_on_commit_callbacks, sent
):
    jobs = _announce(3, django_capture_on_commit_callbacks)
    good, malformed, withdrawn = sent[0], sent[1], sent[2]
    wrong = prediction_for(malformed)
    wrong["images"][0]["reference"] = "999999"  # not an image of this study
    ai_consent_withdraw(InferenceJob.objects.get(pk=withdrawn["job_id"]).study.patient)
    # (withdrawal cancels queued jobs at once; put it back to running to see the store's own check)
    InferenceJob.objects.filter(pk=withdrawn["job_id"]).update(status=JobStatus.RUNNING)
    stored = results_store(
        predictions=[
            Prediction(good["job_id"], 1, prediction_for(good)),
            Prediction(malformed["job_id"], 1, wrong),
            Prediction(withdrawn["job_id"], 1, prediction_for(withdrawn)),
        ]
    )
    assert [result.job_id for result in stored] == [good["job_id"]]
    statuses = dict(InferenceJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("pk", "status"))
    assert statuses == {
        good["job_id"]: JobStatus.SUCCEEDED,
        malformed["job_id"]: JobStatus.FAILED,
        withdrawn["job_id"]: JobStatus.CANCELLED,
    }
    assert "not in study" in InferenceJob.objects.get(pk=malformed["job_id"]).error


def test_a_redelivered_message_costs_each_of_its_jobs_one_attempt(
    django_capture_on_commit_callbacks, sent, settings
):
    from screening.inference_jobs.job_reports import jobs_mark_lost

    _announce(3, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        jobs_mark_lost(attempts=[(entry["job_id"], 1) for entry in sent], note="message redelivered")
    assert [entry["attempt"] for entry in sent[3:]] == [2, 2, 2]
    assert all(entry["countdown"] == settings.INFERENCE_RETRY_BACKOFF_SECONDS for entry in sent[3:])
    assert InferenceJob.objects.filter(attempts=2, status=JobStatus.QUEUED).count() == 3


def test_heat_map_levels_are_coloured_at_their_own_size_and_an_older_png_file_still_works(
    django_capture_on_commit_callbacks, sent
):
    from tests.inference_jobs.conftest import result_store

    _announce(1, django_capture_on_commit_callbacks)
    prediction = prediction_for(sent[0])
    heat = np.linspace(0, 255, 12 * 10).astype(np.uint8).reshape(12, 10)
    prediction["images"][0].update(heatmap=base64.b64encode(heat.tobytes()).decode(), heatmap_shape=[12, 10])
    image = result_store(job_id=sent[0]["job_id"], attempt=1, prediction=prediction).images.get(
        instance_id=int(sent[0]["images"][0][0])
    )
    assert np.array_equal(np.round(heatmap_overlay.stored_heat(image) * 255).astype(np.uint8), heat)
    legacy_png = BytesIO()
    Image.fromarray(heat, mode="L").save(legacy_png, format="PNG")
    legacy = InferenceImageResult.objects.get(pk=image.pk)
    legacy.heatmap = default_storage.save("inference/heatmaps/legacy.png", ContentFile(legacy_png.getvalue()))
    legacy.heatmap_levels, legacy.heatmap_rows, legacy.heatmap_cols = b"", 0, 0
    assert legacy.has_heatmap
    assert np.array_equal(np.round(heatmap_overlay.stored_heat(legacy) * 255).astype(np.uint8), heat)


def _withdraw_keeping_status(job_id: int) -> None:
    """Withdraw the participant's AI consent, but leave the job as it was (withdrawal cancels it at
    once), so that the next check of the job path is the one that must see the withdrawal."""
    job = InferenceJob.objects.get(pk=job_id)
    ai_consent_withdraw(job.study.patient)
    InferenceJob.objects.filter(pk=job_id).update(status=job.status, finished_at=None)


def test_a_message_with_withdrawn_participants_dispatches_starts_and_stores_only_the_consenting(
    django_capture_on_commit_callbacks, sent
):
    from screening.inference_jobs.job_dispatch import jobs_dispatch
    from screening.inference_jobs.job_reports import jobs_mark_started, jobs_outcomes_store

    jobs = [job.pk for job in _announce(6, django_capture_on_commit_callbacks)]
    _withdraw_keeping_status(jobs[0])  # seen at dispatch
    sent.clear()
    sent.messages.clear()
    assert jobs_dispatch(job_ids=jobs) == 5
    assert sorted(entry["job_id"] for entry in sent) == jobs[1:]
    _withdraw_keeping_status(jobs[1])  # seen at start
    attempts = [(entry["job_id"], entry["attempt"]) for entry in sent]
    assert jobs_mark_started(attempts=attempts, worker="w", device="cpu") == 4
    _withdraw_keeping_status(jobs[2])  # seen when storing
    jobs_outcomes_store(
        outcomes=[
            {"job_id": entry["job_id"], "attempt": entry["attempt"], "prediction": prediction_for(entry)}
            for entry in sent
        ]
    )
    statuses = dict(InferenceJob.objects.filter(pk__in=jobs).values_list("pk", "status"))
    assert [statuses[pk] for pk in jobs] == [JobStatus.CANCELLED] * 3 + [JobStatus.SUCCEEDED] * 3
    assert sorted(InferenceResult.objects.values_list("job_id", flat=True)) == jobs[3:]
    notes = [InferenceJob.objects.get(pk=pk).events.latest("id").note for pk in jobs[:3]]
    assert notes == [
        "not dispatched: no AI consent",
        "AI consent withdrawn",
        "AI consent withdrawn: result discarded",
    ]


def _ct_message_path_queries(count, django_capture_on_commit_callbacks, sent, slices=16):
    """Queries of each step of the job path for one message of `count` CT studies (with open reads):
    a new dispatch, the start report and the outcomes report."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from screening.inference_jobs.job_dispatch import jobs_dispatch
    from screening.inference_jobs.job_reports import jobs_mark_started, jobs_outcomes_store
    from tests.inference_jobs.job_fixtures import ct_study

    campaign = ai_campaign("lung")
    studies = [ct_study(imaged_episode(campaign), [2.5 * z for z in range(slices)]) for _ in range(count)]
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk for study in studies])
    jobs = list(InferenceJob.objects.filter(study__in=studies).values_list("pk", flat=True))
    assert len(jobs) == count
    sent.clear()
    queries = {}
    with CaptureQueriesContext(connection) as dispatch:
        jobs_dispatch(job_ids=jobs)
    queries["dispatch"] = len(dispatch)
    [message] = sent.messages[-1:]
    assert len(message["jobs"]) == count
    with CaptureQueriesContext(connection) as start:
        jobs_mark_started(
            attempts=[(e["job_id"], e["attempt"]) for e in message["jobs"]], worker="w", device="cpu"
        )
    queries["start"] = len(start)
    outcomes = [
        {
            "job_id": e["job_id"],
            "attempt": e["attempt"],
            "prediction": prediction_for({**message, **e}, score=0.9),
        }
        for e in message["jobs"]
    ]
    for outcome in outcomes:
        outcome["prediction"]["timings_ms"] = {"total": float(outcome["job_id"])}  # each job its own
    with CaptureQueriesContext(connection) as store:
        jobs_outcomes_store(outcomes=outcomes)
    queries["store"] = len(store)
    assert InferenceImageResult.objects.filter(result__job__in=jobs).count() == count * slices
    finished = InferenceJob.objects.filter(pk__in=jobs)
    assert {job.pk: job.timings_ms["total"] for job in finished} == {pk: float(pk) for pk in jobs}
    assert {job.status for job in finished} == {JobStatus.SUCCEEDED}
    return queries, studies


def test_a_messages_queries_do_not_grow_with_its_ct_studies(
    django_capture_on_commit_callbacks, sent, settings
):
    settings.INFERENCE_JOBS_PER_MESSAGE, settings.INFERENCE_IMAGES_PER_MESSAGE = 8, 1000
    one, _ = _ct_message_path_queries(1, django_capture_on_commit_callbacks, sent)
    four, studies = _ct_message_path_queries(4, django_capture_on_commit_callbacks, sent)
    assert four == one
    # ... and every study's open reads took the new band (refreshed once for the whole message).
    from screening.reading.models import BAND_RANK, ReadSlot, ReadSlotStatus, TriageBand

    slots = ReadSlot.objects.filter(study__in=studies, status=ReadSlotStatus.OPEN)
    assert slots.count() >= 4
    assert {(slot.band_rank, slot.ai_score) for slot in slots} == {(BAND_RANK[TriageBand.HIGH], 0.9)}


def test_image_rows_are_stored_as_sent_and_the_same_image_twice_is_refused(
    django_capture_on_commit_callbacks, sent
):
    from django.db import IntegrityError, transaction

    from screening.inference_jobs.result_services import ImageRow, image_rows_insert
    from tests.inference_jobs.conftest import result_store

    _announce(1, django_capture_on_commit_callbacks)
    prediction = prediction_for(sent[0])
    for index, image in enumerate(prediction["images"]):
        heat = np.arange(6, dtype=np.uint8).reshape(2, 3) * (index + 1)
        image.update(score=0.1 * index, slice_index=index, heatmap=base64.b64encode(heat.tobytes()).decode())
        image["heatmap_shape"] = [2, 3]
    result = result_store(job_id=sent[0]["job_id"], attempt=1, prediction=prediction)
    stored = list(
        result.images.order_by("slice_index").values_list(
            "instance_id",
            "slice_index",
            "score",
            "side",
            "view",
            "heatmap_levels",
            "heatmap_rows",
            "heatmap_cols",
        )
    )
    assert [(*row[:5], bytes(row[5]), *row[6:]) for row in stored] == [
        (int(image["reference"]), index, 0.1 * index, "R", "CC", base64.b64decode(image["heatmap"]), 2, 3)
        for index, image in enumerate(prediction["images"])
    ]
    assert not any(image.heatmap for image in result.images.all())  # levels, no PNG file
    again = ImageRow(*stored[0][:5], b"", 0, 0)
    with pytest.raises(IntegrityError), transaction.atomic():
        image_rows_insert([(result.pk, again)])
