"""Jobs as rows: queued on commit, attempts counted, reports applied once, consent checked again."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from screening.core.models import AuditEvent
from screening.imaging.intake_signals import studies_announce
from screening.inference_jobs import job_reports, job_services, result_services
from screening.inference_jobs.job_sweeper import jobs_sweep
from screening.inference_jobs.models import InferenceImageResult, InferenceJob, InferenceResult, JobStatus
from tests.inference_jobs.conftest import (
    HEATMAP_SHAPE,
    MODEL_NAME,
    MODEL_VERSION,
    prediction_for,
    result_store,
)
from tests.inference_jobs.job_fixtures import (
    MG_VIEWS,
    ai_campaign,
    ai_consent_withdraw,
    imaged_episode,
    mg_study,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(media_in_tmp, model_root):
    return media_in_tmp


@pytest.fixture
def queued(django_capture_on_commit_callbacks, sent):
    """A complete MG study announced by intake: one job, its first attempt sent."""
    study = mg_study(imaged_episode(ai_campaign()))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    return InferenceJob.objects.get(study=study)


def _report_lost(job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_reports.jobs_mark_lost(attempts=[(job.pk, job.attempts)], note="test")
    job.refresh_from_db()


def test_intake_announcement_queues_a_job_for_a_complete_consenting_study(
    django_capture_on_commit_callbacks, sent
):
    campaign = ai_campaign()
    ready = mg_study(imaged_episode(campaign))
    three_views = mg_study(imaged_episode(campaign), views=MG_VIEWS[:3])
    no_consent = mg_study(imaged_episode(campaign, ai_consent=False))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([ready.pk, three_views.pk, no_consent.pk])
    job = InferenceJob.objects.get()
    assert (job.study_id, job.model_name, job.model_version) == (ready.pk, MODEL_NAME, MODEL_VERSION)
    assert job.attempts == 1 and job.status == JobStatus.QUEUED and job.dispatched_at is not None
    assert len(sent) == 1
    message = sent[0]
    assert message["job_id"] == job.pk and message["attempt"] == 1
    hung = sorted(ready.series.get().instances.all(), key=lambda i: MG_VIEWS.index(i.view_label))
    # Storage names, not paths: a worker reads them under its own MEDIA_ROOT, or fetches them.
    assert message["images"] == [[str(i.pk), i.file.name] for i in hung]
    assert message["token"]
    assert AuditEvent.objects.filter(
        object_type="inference_job", object_id=str(job.pk), action="create"
    ).exists()


def test_a_study_announced_again_keeps_its_one_job(queued, django_capture_on_commit_callbacks, sent):
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([queued.study_id])
    assert InferenceJob.objects.count() == 1
    assert len(sent) == 1


def test_campaign_naming_a_model_uses_it(django_capture_on_commit_callbacks, sent, model_root):
    from tests.inference_jobs.conftest import model_card_write

    model_card_write(
        model_root, name="site-model", version="3.1", programme="breast", architecture="mg_view_camnet"
    )
    study = mg_study(imaged_episode(ai_campaign(ai_model_name="site-model")))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    assert InferenceJob.objects.get().model_key == "site-model:3.1"


def test_withdrawn_ai_consent_at_dispatch_cancels_the_job(queued, django_capture_on_commit_callbacks, sent):
    ai_consent_withdraw(queued.study.patient)
    _report_lost(queued, django_capture_on_commit_callbacks)  # the next attempt's dispatch checks again
    assert queued.status == JobStatus.CANCELLED
    assert len(sent) == 1


def test_started_report_takes_a_lease(queued):
    assert job_reports.jobs_mark_started(attempts=[(queued.pk, 1)], worker="w1:42", device="cpu") == 1
    queued.refresh_from_db()
    assert queued.status == JobStatus.RUNNING and queued.worker == "w1:42"
    assert queued.lease_expires_at > timezone.now()


def test_result_is_stored_once_with_heat_maps(queued, sent):
    prediction = prediction_for(sent[0], score=0.72)
    first = result_store(job_id=queued.pk, attempt=1, prediction=prediction)
    second = result_store(job_id=queued.pk, attempt=1, prediction=prediction)
    assert first is not None and second is None
    assert InferenceResult.objects.count() == 1
    assert InferenceImageResult.objects.count() == 4
    queued.refresh_from_db()
    assert queued.status == JobStatus.SUCCEEDED and queued.finished_at is not None
    result = InferenceResult.objects.get()
    assert result.band == "high" and result.side_scores == {"R": 0.72, "L": 0.05}
    assert result.model_key == f"{MODEL_NAME}:{MODEL_VERSION}"
    for image in result.images.all():
        assert image.has_heatmap and (image.heatmap_rows, image.heatmap_cols) == HEATMAP_SHAPE
        assert bytes(image.heatmap_levels) == bytes([200]) * (HEATMAP_SHAPE[0] * HEATMAP_SHAPE[1])
    assert AuditEvent.objects.filter(object_type="inference_result", object_id=str(result.pk)).exists()


def test_result_arriving_after_consent_withdrawal_is_discarded(queued, sent):
    ai_consent_withdraw(queued.study.patient)
    assert result_store(job_id=queued.pk, attempt=1, prediction=prediction_for(sent[0])) is None
    queued.refresh_from_db()
    assert queued.status == JobStatus.CANCELLED
    assert not InferenceResult.objects.exists() and not InferenceImageResult.objects.exists()


def test_result_for_a_cancelled_job_is_ignored(queued, sent, coordinator_actor):
    job_services.job_cancel(actor=coordinator_actor, job=queued)
    assert result_store(job_id=queued.pk, attempt=1, prediction=prediction_for(sent[0])) is None
    assert not InferenceResult.objects.exists()


def test_reports_of_a_stale_attempt_are_ignored(queued, django_capture_on_commit_callbacks, sent):
    _report_lost(queued, django_capture_on_commit_callbacks)
    assert queued.attempts == 2 and len(sent) == 2
    before = InferenceJob.objects.values().get(pk=queued.pk)
    assert job_reports.jobs_mark_started(attempts=[(queued.pk, 1)], worker="old", device="cpu") == 0
    job_reports.jobs_mark_failed(failures=[job_reports.Failure(queued.pk, 1, "old", transient=False)])
    job_reports.jobs_mark_lost(attempts=[(queued.pk, 1)], note="old")
    assert InferenceJob.objects.values().get(pk=queued.pk) == before
    assert len(sent) == 2


def test_lost_attempts_are_retried_with_backoff_then_dead_at_the_cap(
    queued, django_capture_on_commit_callbacks, sent, settings
):
    assert queued.max_attempts == settings.INFERENCE_MAX_ATTEMPTS == 3
    _report_lost(queued, django_capture_on_commit_callbacks)
    _report_lost(queued, django_capture_on_commit_callbacks)
    assert [m["attempt"] for m in sent] == [1, 2, 3]
    assert sent[1]["countdown"] == settings.INFERENCE_RETRY_BACKOFF_SECONDS
    assert sent[2]["countdown"] == 2 * settings.INFERENCE_RETRY_BACKOFF_SECONDS
    _report_lost(queued, django_capture_on_commit_callbacks)
    assert queued.status == JobStatus.DEAD and "worker lost" in queued.error
    assert len(sent) == 3
    history = list(queued.events.values_list("to_status", flat=True))
    assert history == ["queued", "queued", "queued", "dead"]


def test_transient_failure_is_retried_and_a_permanent_one_fails(
    queued, django_capture_on_commit_callbacks, sent
):
    with django_capture_on_commit_callbacks(execute=True):
        job_reports.jobs_mark_failed(
            failures=[job_reports.Failure(queued.pk, 1, "CUDA out of memory", transient=True)]
        )
    queued.refresh_from_db()
    assert queued.status == JobStatus.QUEUED and queued.attempts == 2
    job_reports.jobs_mark_failed(
        failures=[job_reports.Failure(queued.pk, 2, "InputError: missing views", transient=False)]
    )
    queued.refresh_from_db()
    assert queued.status == JobStatus.FAILED and queued.error == "InputError: missing views"
    assert len(sent) == 2


def test_sweeper_redispatches_an_expired_lease_and_a_lost_message(
    queued, django_capture_on_commit_callbacks, sent, settings
):
    job_reports.jobs_mark_started(attempts=[(queued.pk, 1)], worker="w", device="cpu")
    later = timezone.now() + timedelta(seconds=settings.INFERENCE_LEASE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        report = jobs_sweep(now=later)
    queued.refresh_from_db()
    assert report.lease_expired == 1 and queued.status == JobStatus.QUEUED and queued.attempts == 2
    much_later = later + timedelta(seconds=settings.INFERENCE_DISPATCH_TIMEOUT_SECONDS + 600)
    with django_capture_on_commit_callbacks(execute=True):
        report = jobs_sweep(now=much_later)
    queued.refresh_from_db()
    assert report.message_lost == 1 and queued.attempts == 3
    with django_capture_on_commit_callbacks(execute=True):
        jobs_sweep(now=much_later + timedelta(seconds=settings.INFERENCE_DISPATCH_TIMEOUT_SECONDS + 600))
    queued.refresh_from_db()
    assert queued.status == JobStatus.DEAD
    assert [m["attempt"] for m in sent] == [1, 2, 3]


def test_sweeper_leaves_healthy_jobs_alone(queued, sent):
    job_reports.jobs_mark_started(attempts=[(queued.pk, 1)], worker="w", device="cpu")
    assert jobs_sweep().total == 0
    assert len(sent) == 1


def test_sweeper_sends_a_job_whose_dispatch_never_happened(django_capture_on_commit_callbacks, sent):
    study = mg_study(imaged_episode(ai_campaign()))
    job = InferenceJob.objects.create(
        study=study,
        model_name=MODEL_NAME,
        model_version=MODEL_VERSION,
        queued_at=timezone.now() - timedelta(minutes=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep().undispatched == 1
    job.refresh_from_db()
    assert job.attempts == 1 and [m["job_id"] for m in sent] == [job.pk]


@pytest.mark.parametrize(
    ("score", "band"), [(0.5, "high"), (0.49, "intermediate"), (0.1, "intermediate"), (0.099, "low")]
)
def test_triage_band_follows_the_campaign_thresholds(score, band):
    assert result_services.triage_band(score, high=0.5, low=0.1) == band


def test_band_uses_this_campaigns_thresholds(django_capture_on_commit_callbacks, sent):
    study = mg_study(
        imaged_episode(ai_campaign(ai_high_suspicion_threshold=0.9, ai_low_suspicion_threshold=0.8))
    )
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    job = InferenceJob.objects.get()
    result = result_store(job_id=job.pk, attempt=1, prediction=prediction_for(sent[0], score=0.7))
    assert result.band == "low" and (result.high_threshold, result.low_threshold) == (0.9, 0.8)


def test_cancel_and_retry_are_audited_and_kept_in_history(
    queued, coordinator_actor, django_capture_on_commit_callbacks, sent
):
    job_services.job_cancel(actor=coordinator_actor, job=queued)
    with pytest.raises(ValidationError):
        job_services.job_cancel(actor=coordinator_actor, job=queued)
    with django_capture_on_commit_callbacks(execute=True):
        job_services.job_retry(actor=coordinator_actor, job=queued)
    queued.refresh_from_db()
    assert queued.status == JobStatus.QUEUED and queued.attempts == 2 and queued.max_attempts == 1 + 3
    assert [m["attempt"] for m in sent] == [1, 2]
    events = list(queued.events.values_list("to_status", "actor"))
    assert events[-2:] == [("cancelled", "coordinator"), ("queued", "coordinator")]
    changes = AuditEvent.objects.filter(
        object_type="inference_job", object_id=str(queued.pk), action="change"
    )
    assert sorted(next(iter(e.detail)) for e in changes) == ["cancel", "retry"]


def test_retry_is_refused_for_a_job_that_succeeded_or_lost_consent(queued, coordinator_actor, sent):
    result_store(job_id=queued.pk, attempt=1, prediction=prediction_for(sent[0]))
    with pytest.raises(ValidationError):
        job_services.job_retry(actor=coordinator_actor, job=queued)
    InferenceJob.objects.filter(pk=queued.pk).update(status=JobStatus.DEAD)
    ai_consent_withdraw(queued.study.patient)
    with pytest.raises(ValidationError, match="no AI consent"):
        job_services.job_retry(actor=coordinator_actor, job=queued)


def test_withdrawing_ai_consent_cancels_the_participants_queued_jobs_at_once(queued, sent):
    ai_consent_withdraw(queued.study.patient)
    queued.refresh_from_db()
    assert queued.status == JobStatus.CANCELLED and queued.finished_at is not None
    assert queued.events.filter(to_status=JobStatus.CANCELLED, note="AI consent withdrawn").exists()
    assert AuditEvent.objects.filter(
        object_type="inference_job", object_id=str(queued.pk), detail__reason="ai_consent_withdrawn"
    ).exists()
    # What its worker reports later is ignored: no result is stored.
    late = result_store(job_id=queued.pk, attempt=1, prediction=prediction_for(sent[0]))
    assert late is None and not InferenceResult.objects.exists()


def test_a_stored_result_reorders_the_studys_open_reads_in_the_worklist(queued, sent):
    from screening.reading.models import BAND_RANK, ReadSlot, TriageBand

    slots = ReadSlot.objects.filter(study=queued.study)
    assert slots.exists() and {slot.band_rank for slot in slots} == {BAND_RANK[TriageBand.NONE]}
    result_store(job_id=queued.pk, attempt=1, prediction=prediction_for(sent[0], score=0.9))
    assert {(slot.band_rank, slot.ai_score) for slot in slots.all()} == {(BAND_RANK[TriageBand.HIGH], 0.9)}


def _requests(*studies):
    return [job_services.JobRequest(study, MODEL_NAME, MODEL_VERSION) for study in studies]


def test_jobs_are_created_once_per_study_and_model_version(queued, coordinator_actor, sent):
    campaign = ai_campaign()
    second, third = (mg_study(imaged_episode(campaign)) for _ in range(2))
    created = job_services.jobs_create(
        actor=coordinator_actor, requests=_requests(queued.study, second, second, third)
    )
    assert [job.study_id for job in created] == [second.pk, third.pk]
    assert InferenceJob.objects.filter(study__in=[queued.study, second, third]).count() == 3
    assert all(job.events.get().to_status == JobStatus.QUEUED for job in created)


def test_a_job_queued_meanwhile_by_another_process_is_not_created_again(
    queued, coordinator_actor, sent, monkeypatch
):
    # As if another process inserted the first study's job after this one looked: the INSERT of
    # all of them is refused, and they are created one by one.
    monkeypatch.setattr(job_services, "_job_keys", lambda **kwargs: set())
    other = mg_study(imaged_episode(ai_campaign()))
    created = job_services.jobs_create(actor=coordinator_actor, requests=_requests(queued.study, other))
    assert [job.study_id for job in created] == [other.pk]
    assert InferenceJob.objects.filter(study=queued.study).count() == 1
