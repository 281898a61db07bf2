"""A routine or recall result comes only from signed reads: no page, API call or service step of a
person marks an episode read or issues a clinical result; a technical recall at imaging still can."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from screening.campaigns.episode_services import episode_transition
from screening.campaigns.models import EpisodeResult, EpisodeStatus
from screening.core.models import AuditEvent
from screening.reading.models import ReadSlot, ReadSlotStatus
from tests.reading.conftest import imaged_study

S = EpisodeStatus


@pytest.fixture
def imaged(campaign):
    return imaged_study(campaign)


def _reloaded(episode):
    episode.refresh_from_db()
    return episode


def test_the_episode_page_cannot_mark_an_imaged_episode_read(coordinator_client, imaged):
    episode = imaged.episode
    url = reverse("campaigns:episode_transition", args=[episode.pk])
    coordinator_client.post(url, {"to_status": S.READ, "note": ""})
    assert _reloaded(episode).status == S.IMAGED
    assert ReadSlot.objects.filter(study=imaged, status=ReadSlotStatus.OPEN).exists()
    page = coordinator_client.get(reverse("campaigns:episode", args=[episode.pk])).content.decode()
    assert 'value="read"' not in page


@pytest.mark.parametrize("result", [EpisodeResult.ROUTINE, EpisodeResult.RECALL])
def test_no_person_issues_a_routine_or_recall_result(coordinator_actor, imaged, result):
    episode = imaged.episode
    with pytest.raises(ValidationError, match="signed reads"):
        episode_transition(actor=coordinator_actor, episode=episode, to_status=S.READ)
    episode.status = S.READ
    episode.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="signed reads"):
        episode_transition(actor=coordinator_actor, episode=episode, to_status=S.RESULT_ISSUED, result=result)
    assert (_reloaded(episode).status, episode.result) == (S.READ, "")
    assert not episode.status_events.exists()
    denials = AuditEvent.objects.filter(object_type="episode", object_id=str(episode.pk), outcome="denied")
    assert [d.detail["to"] for d in denials.order_by("sequence")] == [S.READ, S.RESULT_ISSUED]


def test_the_api_cannot_mark_an_episode_read_or_issue_a_result(coordinator, imaged):
    client = APIClient()
    client.force_authenticate(user=coordinator)
    url = f"/api/v1/episodes/{imaged.episode_id}/transition/"
    response = client.post(url, {"to_status": "read"}, format="json")
    assert response.status_code == 400 and "signed reads" in str(response.json())
    assert _reloaded(imaged.episode).status == S.IMAGED


def test_a_technical_recall_at_imaging_needs_a_reason_and_is_kept(coordinator_actor, campaign):
    from tests.factories import EpisodeFactory

    episode = EpisodeFactory(campaign=campaign, status=S.ATTENDED)
    with pytest.raises(ValidationError, match="why"):
        episode_transition(
            actor=coordinator_actor, episode=episode, to_status=S.RESULT_ISSUED, result="technical_recall"
        )
    with pytest.raises(ValidationError, match="signed reads"):
        episode_transition(
            actor=coordinator_actor, episode=episode, to_status=S.RESULT_ISSUED, result="routine", note="x"
        )
    episode_transition(
        actor=coordinator_actor,
        episode=episode,
        to_status=S.RESULT_ISSUED,
        result=EpisodeResult.TECHNICAL_RECALL,
        note="Motion blur on both MLO views",
    )
    assert (_reloaded(episode).status, episode.result) == (S.RESULT_ISSUED, "technical_recall")
