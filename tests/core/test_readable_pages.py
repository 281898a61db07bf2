"""Pages show DICOM times, dates and durations readably, histories in time order, and no empty headings."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from screening.campaigns.models import EpisodeStatus, EpisodeStatusEvent, ReadingPolicy
from screening.imaging.models import IntakeSource, Study, StudyMatch
from screening.patients.consent_services import consent_grant, consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from screening.reading.models import ReadRole, ReadSlot
from screening.reading.signoff_services import read_sign
from screening.reading.slot_services import read_slot_claim
from tests.factories import CampaignFactory, EpisodeFactory, programme
from tests.reading.conftest import PASSWORD, breast_opinion, imaged_study, reader, sign_read, slot_of

pytestmark = pytest.mark.django_db
RAW_DURATION = re.compile(r"\b\d+:\d\d:\d\d(\.\d+)?\b")


def _client_for(actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def _section(page: str, element_id: str) -> str:
    return page.split(f'id="{element_id}"', 1)[1].split("</section>", 1)[0].split("</table>", 1)[0]


def test_the_study_page_shows_the_dicom_study_time_as_a_time(coordinator_client):
    study = Study.objects.create(
        study_instance_uid="1.2.826.0.1.3680043.10.999",
        study_date=date(2024, 3, 15),
        study_time="141413.064641",
        match_status=StudyMatch.AWAITING_RECONCILIATION,
        first_source=IntakeSource.UPLOAD,
    )

    page = coordinator_client.get(reverse("imaging:study", args=[study.pk])).content.decode()

    assert "2024-03-15 14:14:13" in page
    assert "141413" not in page


@pytest.fixture
def breast_campaign():
    return CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.DOUBLE_BLIND)


@pytest.fixture
def decided(breast_campaign):
    """A double-read study whose two readers agreed: the episode has its result."""
    first = reader("first", breast_campaign)
    second = reader("second", breast_campaign)
    study = imaged_study(breast_campaign, days_waiting=1)
    slot = read_slot_claim(actor=first, slot=slot_of(study))
    ReadSlot.objects.filter(pk=slot.pk).update(claimed_at=timezone.now() - timedelta(seconds=832))
    read_sign(actor=first, slot=slot_of(study), password=PASSWORD, opinion=breast_opinion())
    sign_read(second, slot_of(study, ReadRole.SECOND), opinion=breast_opinion())
    study.episode.refresh_from_db()
    assert study.episode.status == EpisodeStatus.RESULT_ISSUED
    return first, second, study


def test_the_report_shows_durations_in_minutes_and_hours_not_raw(decided, coordinator_client):
    _, _, study = decided

    page = coordinator_client.get(reverse("reading:report", args=[study.episode_id])).content.decode()

    assert not RAW_DURATION.search(page), RAW_DURATION.search(page)
    assert re.search(r'id="imaging-to-result">\d+ (d|h|min|s)\b', page)
    assert "read in 13 min 52 s" in page


def test_the_read_page_lists_the_episode_history_in_time_order(decided):
    first, _, study = decided

    page = _client_for(first).get(reverse("reading:read", args=[slot_of(study).pk])).content.decode()

    history = _section(page, "episode-history")
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", history)
    steps = [step for _, step in rows]
    assert steps.index("First reader: signed by you") < steps.index("Result issued · Routine recall (normal)")
    assert [when for when, _ in rows] == sorted(when for when, _ in rows)


def test_the_read_page_shows_no_signed_opinions_heading_without_another_opinion(breast_campaign):
    first = reader("first", breast_campaign)
    reader("second", breast_campaign)
    study = imaged_study(breast_campaign)
    sign_read(first, slot_of(study), opinion=breast_opinion())

    page = _client_for(first).get(reverse("reading:read", args=[slot_of(study).pk])).content.decode()

    assert "Your signed read (locked)" in page
    assert "Signed opinions" not in page


def test_the_episode_page_lists_its_history_oldest_first(coordinator_client, coordinator):
    episode = EpisodeFactory(status=EpisodeStatus.ATTENDED)
    now = timezone.now()
    # Written out of time order (a late back-dated record): the page still shows them by time.
    for minutes_ago, to_status, note in [
        (10, EpisodeStatus.ATTENDED, "second"),
        (60, EpisodeStatus.INVITED, "first"),
    ]:
        EpisodeStatusEvent.objects.create(
            episode=episode,
            from_status="",
            to_status=to_status,
            actor=coordinator,
            note=note,
            occurred_at=now - timedelta(minutes=minutes_ago),
        )

    page = coordinator_client.get(reverse("campaigns:episode", args=[episode.pk])).content.decode()

    history = page.split("<h2>History</h2>", 1)[1]
    assert history.index(">first<") < history.index(">second<")


def test_the_participant_page_lists_consent_history_oldest_first(
    coordinator_client, coordinator_actor, patient
):
    for record in (consent_grant, consent_withdraw):
        record(
            actor=coordinator_actor, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.VERBAL
        )

    page = coordinator_client.get(reverse("patients:detail", args=[patient.pk])).content.decode()

    history = _section(page, "consent-history")
    assert history.index("Granted") < history.index("Withdrawn")


def test_an_episode_without_history_or_studies_says_so(coordinator_client):
    episode = EpisodeFactory(status=EpisodeStatus.INVITED)
    EpisodeStatusEvent.objects.filter(episode=episode).delete()

    page = coordinator_client.get(reverse("campaigns:episode", args=[episode.pk])).content.decode()

    assert "No images received yet." in page
    assert "No step recorded yet." in page
