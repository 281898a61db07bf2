"""Outbound jobs as rows: queued by the events a destination subscribes to, withheld where consent
or the reads forbid, retried with a growing backoff, dead at the cap, sent again from the console."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bench.bench_orthanc import free_port
from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.outbound.job_runner import job_send, retry_delay
from screening.outbound.job_services import job_retry, jobs_queue
from screening.outbound.job_sweeper import outbound_sweep
from screening.outbound.models import OutboundDestination, OutboundEvent, OutboundJob, OutboundStatus
from screening.patients.consent_services import consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from screening.patients.patient_services import patient_opt_out
from screening.reading.slot_services import read_slots_open
from tests.outbound.conftest import SYSTEM, mammogram_study, needs_orthanc, participant, stored_ai_result
from tests.reading.conftest import breast_opinion, reader, sign_read, slot_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(breast_campaign, media_in_tmp):
    return mammogram_study(breast_campaign, participant())


@pytest.fixture
def unreachable(db) -> OutboundDestination:
    """A destination where nothing listens."""
    return OutboundDestination.objects.create(
        name="Old PACS", ae_title="OLDPACS", host="127.0.0.1", port=free_port()
    )


def _due(job: OutboundJob) -> None:
    OutboundJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())


def test_with_no_destination_an_ai_result_queues_nothing(study):
    stored_ai_result(study)
    assert not OutboundJob.objects.exists()


def test_an_inactive_destination_or_an_unsubscribed_event_queues_nothing(study, unreachable):
    unreachable.active = False
    unreachable.save()
    stored_ai_result(study)
    assert not OutboundJob.objects.exists()
    unreachable.active, unreachable.on_ai_result_stored = True, False
    unreachable.save()
    assert jobs_queue(event=OutboundEvent.AI_RESULT_STORED, sources=[(study.pk, 1)]) == []


def test_an_event_is_queued_once_per_destination(study, unreachable):
    result = stored_ai_result(study)
    assert jobs_queue(event=OutboundEvent.AI_RESULT_STORED, sources=[(study.pk, result.pk)]) == []
    assert OutboundJob.objects.count() == 1


def test_a_failing_send_waits_longer_each_time_then_dies(study, unreachable, settings):
    settings.OUTBOUND_MAX_ATTEMPTS = 3
    stored_ai_result(study)
    job = OutboundJob.objects.get()
    waits = []
    for _ in range(2):
        before = timezone.now()
        assert job_send(job_id=job.pk) == OutboundStatus.RETRY_WAIT
        job.refresh_from_db()
        waits.append((job.next_attempt_at - before).total_seconds())
        assert job_send(job_id=job.pk) is None  # not due yet: left alone
        _due(job)
    # Exponential: the base, then twice the base (plus the time the failed attempt took).
    assert retry_delay(2) == 2 * retry_delay(1)
    for attempt, wait in enumerate(waits, start=1):
        assert retry_delay(attempt) <= wait <= retry_delay(attempt) + 10
    assert retry_delay(50) == settings.OUTBOUND_RETRY_BACKOFF_MAX_SECONDS
    assert job_send(job_id=job.pk) == OutboundStatus.DEAD
    job.refresh_from_db()
    assert job.attempts == 3 and "association" in job.error
    assert [e.to_status for e in job.events.all()][-2:] == [OutboundStatus.SENDING, OutboundStatus.DEAD]


@needs_orthanc
def test_a_dead_job_sent_again_from_the_console_reaches_the_mended_destination(
    study, unreachable, coordinator_actor, pacs
):
    unreachable.max_attempts = 1
    stored_ai_result(study)
    job = OutboundJob.objects.get()
    OutboundJob.objects.filter(pk=job.pk).update(max_attempts=1)
    assert job_send(job_id=job.pk) == OutboundStatus.DEAD
    unreachable.port = pacs.dicom_port
    unreachable.ae_title = pacs.ae_title
    unreachable.save()
    job_retry(actor=coordinator_actor, job=job)
    assert job_send(job_id=job.pk) == OutboundStatus.SENT
    assert AuditEvent.objects.filter(
        object_type="outbound_job", object_id=str(job.pk), action="change"
    ).exists()
    with pytest.raises(ValidationError):
        job_retry(actor=coordinator_actor, job=job)


def test_the_sweeper_takes_back_a_job_whose_worker_vanished_and_sends_what_is_due(study, unreachable):
    stored_ai_result(study)
    job = OutboundJob.objects.get()
    past = timezone.now() - timedelta(minutes=1)
    OutboundJob.objects.filter(pk=job.pk).update(
        status=OutboundStatus.SENDING, attempts=1, lease_expires_at=past
    )
    sweep = outbound_sweep()
    job.refresh_from_db()
    assert sweep.lease_expired == 1 and sweep.due == 1 and job.status == OutboundStatus.RETRY_WAIT


@pytest.mark.parametrize("change", ["ai_withdrawn", "screening_withdrawn", "opted_out"])
def test_nothing_is_sent_for_a_participant_whose_consent_or_status_forbids_it(study, unreachable, change):
    stored_ai_result(study)
    patient = study.patient
    if change == "opted_out":
        patient_opt_out(actor=SYSTEM, patient=patient, reason="moved away")
    else:
        scope = ConsentScope.AI_READING if change == "ai_withdrawn" else ConsentScope.SCREENING
        consent_withdraw(actor=SYSTEM, patient=patient, scope=scope, method=ConsentMethod.WRITTEN)
    job = OutboundJob.objects.get()
    assert job_send(job_id=job.pk) == OutboundStatus.WITHHELD  # the unreachable PACS was never called
    job.refresh_from_db()
    assert job.attempts == 1
    assert ("consent" in job.error) or ("opted out" in job.error)
    assert AuditEvent.objects.filter(
        object_type="outbound_job", object_id=str(job.pk), outcome="denied"
    ).exists()


def test_a_first_read_of_a_pair_queues_no_report(db, media_in_tmp, unreachable):
    from screening.campaigns.models import ReadingPolicy
    from tests.factories import CampaignFactory, programme

    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.DOUBLE_BLIND)
    study = mammogram_study(campaign, participant())
    read_slots_open(actor=Actor.system("test"), study=study)
    sign_read(reader("reader1", campaign), slot_of(study), breast_opinion())
    assert not OutboundJob.objects.exists()
    sign_read(reader("reader2", campaign), slot_of(study, "second"), breast_opinion())
    assert OutboundJob.objects.get().event == OutboundEvent.RESULT_SIGNED


def test_a_report_job_without_a_decided_result_is_withheld(study, unreachable):
    (job,) = jobs_queue(event=OutboundEvent.RESULT_SIGNED, sources=[(study.pk, 999)])
    assert job_send(job_id=job.pk) == OutboundStatus.WITHHELD
    job.refresh_from_db()
    assert "no signed read" in job.error


def test_the_sweep_command_sends_a_retry_that_is_due(study, unreachable, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    stored_ai_result(study)
    job = OutboundJob.objects.get()
    assert job_send(job_id=job.pk) == OutboundStatus.RETRY_WAIT
    _due(job)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("outbound_sweep")
    job.refresh_from_db()
    assert job.attempts == 2 and job.status == OutboundStatus.RETRY_WAIT
