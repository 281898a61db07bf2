"""Detaching a wrongly attached study: audited, with a reason, back to the queue, its episode back to
awaiting images; refused once a read is signed; open reads and AI jobs stop with it. The study page
shows the match history to coordinators."""

import pytest
from django.urls import reverse
from django.utils import timezone

from screening.campaigns.models import EpisodeStatus
from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.imaging.models import StudyMatch, StudyMatchEvent
from screening.inference_jobs.models import InferenceJob, JobStatus
from screening.reading.models import ReadSlot, ReadSlotStatus
from screening.reading.slot_services import read_slot_claim, read_slots_open
from screening.reading.worklist_selectors import worklist_band_counts
from tests.factories import PatientFactory
from tests.imaging.reconciliation_fixtures import awaiting_study, jane, lung_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]
__all__ = ["awaiting_study", "jane"]  # fixtures


@pytest.fixture
def wrong_episode(coordinator_client, awaiting_study):
    """The study attached, despite the differences, to the wrong participant's episode."""
    episode = lung_episode(PatientFactory(family_name="Wrong"))
    coordinator_client.post(
        reverse("imaging:reconciliation_attach", args=[awaiting_study.pk]),
        {"patient": episode.patient_id, "episode": episode.pk, "confirm": "1", "reason": "Looked right"},
    )
    awaiting_study.refresh_from_db()
    assert awaiting_study.episode == episode
    return episode


def detach(client, study, reason="Images are another woman's: wrong worklist entry"):
    return client.post(
        reverse("imaging:reconciliation_detach", args=[study.pk]), {"reason": reason}, follow=True
    )


def test_detach_returns_the_study_to_the_queue_and_the_episode_to_awaiting_images(
    coordinator_client, awaiting_study, wrong_episode
):
    html = detach(coordinator_client, awaiting_study).content.decode()

    assert "detached; it awaits reconciliation" in html
    awaiting_study.refresh_from_db()
    wrong_episode.refresh_from_db()
    assert awaiting_study.match_status == StudyMatch.AWAITING_RECONCILIATION
    assert (awaiting_study.patient, awaiting_study.episode) == (None, None)
    assert "wrong worklist entry" in awaiting_study.match_note
    assert wrong_episode.status == EpisodeStatus.ATTENDED and wrong_episode.imaged_at is None
    assert wrong_episode.status_events.last().note.startswith(f"Study {awaiting_study.pk} detached")
    kinds = list(StudyMatchEvent.objects.filter(study=awaiting_study).values_list("kind", "reason"))
    assert kinds == [
        ("attached", "Looked right"),
        ("detached", "Images are another woman's: wrong worklist entry"),
    ]
    audit = AuditEvent.objects.filter(object_type="study", action="change").latest("sequence")
    assert audit.detail["detached_from"] == {"patient": wrong_episode.patient_id, "episode": wrong_episode.pk}


def test_the_detached_study_can_be_attached_to_the_right_episode(
    coordinator_client, awaiting_study, wrong_episode, jane
):
    detach(coordinator_client, awaiting_study)
    right = lung_episode(jane)

    coordinator_client.post(
        reverse("imaging:reconciliation_attach", args=[awaiting_study.pk]),
        {"patient": jane.pk, "episode": right.pk},
    )

    awaiting_study.refresh_from_db()
    assert awaiting_study.episode == right and awaiting_study.match_status == StudyMatch.MATCHED


def test_detach_without_a_reason_is_refused_and_changes_nothing(
    coordinator_client, awaiting_study, wrong_episode
):
    html = detach(coordinator_client, awaiting_study, reason="   ").content.decode()

    assert "Give the reason the study is detached" in html
    awaiting_study.refresh_from_db()
    wrong_episode.refresh_from_db()
    assert awaiting_study.episode == wrong_episode and wrong_episode.status == EpisodeStatus.IMAGED
    assert StudyMatchEvent.objects.filter(kind="detached").count() == 0


def test_detach_is_refused_once_a_read_is_signed(
    coordinator_client, awaiting_study, wrong_episode, radiologist
):
    slots = read_slots_open(actor=Actor.system("test"), study=awaiting_study)
    ReadSlot.objects.filter(pk=slots[0].pk).update(
        status=ReadSlotStatus.SIGNED, signed_by=radiologist, signed_at=timezone.now()
    )

    html = detach(coordinator_client, awaiting_study).content.decode()

    assert "A read of this study has been signed" in html
    awaiting_study.refresh_from_db()
    wrong_episode.refresh_from_db()
    assert awaiting_study.episode == wrong_episode and wrong_episode.status == EpisodeStatus.IMAGED
    assert ReadSlot.objects.filter(study=awaiting_study).count() == len(slots)  # the open one stays too
    assert StudyMatchEvent.objects.filter(kind="detached").count() == 0


def test_detach_removes_open_reads_and_cancels_queued_ai_jobs(
    coordinator_client, awaiting_study, wrong_episode, radiologist
):
    wrong_episode.campaign.assigned_staff.add(radiologist)
    slots = read_slots_open(actor=Actor.system("test"), study=awaiting_study)
    read_slot_claim(actor=Actor.for_user(radiologist), slot=slots[0])  # opened, not signed
    job = InferenceJob.objects.create(
        study=awaiting_study, model_name="test-lung", model_version="2.0", queued_at=timezone.now()
    )
    finished = InferenceJob.objects.create(
        study=awaiting_study,
        model_name="test-lung",
        model_version="1.0",
        queued_at=timezone.now(),
        status=JobStatus.SUCCEEDED,
    )

    detach(coordinator_client, awaiting_study)

    assert not ReadSlot.objects.filter(study=awaiting_study).exists()
    counts = worklist_band_counts(actor=Actor.for_user(radiologist))
    assert all(count.n == 0 for count in counts.values())
    job.refresh_from_db()
    finished.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and finished.status == JobStatus.SUCCEEDED
    assert job.events.last().note == "study detached from its episode"


def test_an_episode_keeping_another_study_stays_imaged(coordinator_client, awaiting_study, wrong_episode):
    from tests.imaging.fixtures_pages import store_sample

    other = store_sample("CT_small.dcm").series.study
    other.patient, other.episode, other.match_status = (
        wrong_episode.patient,
        wrong_episode,
        StudyMatch.MATCHED,
    )
    other.save()

    detach(coordinator_client, awaiting_study)

    wrong_episode.refresh_from_db()
    assert wrong_episode.status == EpisodeStatus.IMAGED


def test_a_study_awaiting_reconciliation_cannot_be_detached(coordinator_client, awaiting_study):
    html = detach(coordinator_client, awaiting_study).content.decode()

    assert "no longer attached" in html
    assert not StudyMatchEvent.objects.exists()


def test_the_study_page_shows_the_match_history_to_coordinators(
    coordinator_client, radiologist_client, radiologist, awaiting_study, wrong_episode
):
    html = coordinator_client.get(reverse("imaging:study", args=[awaiting_study.pk])).content.decode()

    history = html.split('id="match-history"', 1)[1].split("</section>", 1)[0]
    assert "Attached" in history and "Looked right" in history and "coordinator" in history
    assert "Birth date: 1960-01-02 in the images" in history
    assert 'id="detach-form"' in history

    wrong_episode.campaign.assigned_staff.add(radiologist)
    other = radiologist_client.get(reverse("imaging:study", args=[awaiting_study.pk])).content.decode()
    assert 'id="match-history"' not in other
    assert detach(radiologist_client, awaiting_study).status_code == 403
