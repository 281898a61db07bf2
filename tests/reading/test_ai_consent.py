"""Withdrawn AI consent hides the participant's AI from reading: the worklist band, the reading
view, the report and the reading API, and the AI as second reader; signed reads keep their record
of what was shown; a re-grant shows the AI again."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from screening.campaigns.models import ReadingPolicy
from screening.core.actors import Actor
from screening.inference_jobs.models import InferenceJob, InferenceResult
from screening.patients.consent_services import consent_grant, consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from screening.reading.models import ReadOpinion, ReadRole, ReadSlotStatus
from screening.reading.triage_keys import read_slots_triage_refresh
from screening.reading.worklist_selectors import worklist_band_counts, worklist_page
from tests.factories import CampaignFactory, programme
from tests.page_text import shows_figure
from tests.reading.conftest import breast_opinion, imaged_study, reader, sign_read, slot_of

COORDINATOR = Actor.system("test-consent")
WITHHELD = "AI not shown: the participant withdrew consent to AI on"


def scored_study(campaign, score: float = 0.9, band: str = "high"):
    """An imaged study whose participant granted AI consent, with a stored AI result."""
    study = imaged_study(campaign)
    consent_grant(
        actor=COORDINATOR, patient=study.patient, scope=ConsentScope.AI_READING, method=ConsentMethod.WRITTEN
    )
    job = InferenceJob.objects.create(
        study=study, model_name="m", model_version="1", queued_at=timezone.now()
    )
    InferenceResult.objects.create(
        job=job,
        study=study,
        model_name="m",
        model_version="1",
        study_score=score,
        band=band,
        high_threshold=0.5,
        low_threshold=0.1,
    )
    read_slots_triage_refresh(study_ids=[study.pk])
    return study


def withdraw(study) -> None:
    consent_withdraw(
        actor=COORDINATOR, patient=study.patient, scope=ConsentScope.AI_READING, method=ConsentMethod.VERBAL
    )


@pytest.fixture
def campaign(db):
    return CampaignFactory(
        programme=programme("breast"), reading_policy=ReadingPolicy.DOUBLE_BLIND, ai_enabled=True
    )


def test_withdrawal_moves_the_worklist_row_to_no_ai_and_a_regrant_back(campaign):
    actor = reader("w1", campaign)
    study = scored_study(campaign)
    assert [e.band for e in worklist_page(actor=actor).entries] == ["high"]
    withdraw(study)
    [entry] = worklist_page(actor=actor).entries
    assert entry.band == "none" and entry.slot.ai_score is None
    assert (
        worklist_band_counts(actor=actor)["none"].n == 1 and worklist_band_counts(actor=actor)["high"].n == 0
    )
    consent_grant(
        actor=COORDINATOR, patient=study.patient, scope=ConsentScope.AI_READING, method=ConsentMethod.WRITTEN
    )
    assert [e.band for e in worklist_page(actor=actor).entries] == ["high"]


def test_reading_view_report_and_api_say_why_and_keep_the_signed_record(campaign):
    first, second = reader("r1", campaign), reader("r2", campaign)
    study = scored_study(campaign)
    sign_read(first, slot_of(study))
    sign_read(second, slot_of(study, ReadRole.SECOND))
    withdraw(study)
    client = Client()
    client.force_login(first.user)
    page = client.get(reverse("reading:read", args=[slot_of(study).pk])).content.decode()
    assert WITHHELD in page and 'id="ai-score"' not in page and "ai-overlays" not in page
    report = client.get(reverse("reading:report", args=[study.episode_id])).content.decode()
    assert WITHHELD in report and not shows_figure(report, "0.900") and "shown (high" not in report
    api = APIClient()
    api.force_authenticate(first.user)
    read = api.get(f"/api/v1/reading/reads/{slot_of(study).pk}/").json()
    assert read["ai_visible"] is False and read["ai_withheld_reason"].startswith(WITHHELD)
    assert {(o["ai_band"], o["ai_score"]) for o in read["visible_opinions"]} == {(None, None)}
    data = api.get(f"/api/v1/reading/reports/{study.episode_id}/").json()
    assert data["ai_withheld_reason"].startswith(WITHHELD)
    assert {o["ai_score"] for o in data["opinions"]} == {None} and data["decisions"][0]["ai_recall"] is None
    # The signed reads still say what was shown when they were signed.
    assert set(ReadOpinion.objects.values_list("ai_shown", "ai_band", "ai_score")) == {(True, "high", 0.9)}


def test_ai_second_reader_treats_a_withdrawn_participant_as_without_ai(db):
    campaign = CampaignFactory(
        programme=programme("breast"), reading_policy=ReadingPolicy.AI_SECOND_READER, ai_enabled=True
    )
    actor = reader("solo", campaign)
    study = scored_study(campaign, score=0.95)  # the AI calls recall; a routine read would be discordant
    withdraw(study)
    signed = sign_read(actor, slot_of(study), opinion=breast_opinion())
    assert signed.ai_shown is False and signed.ai_score is None
    assert slot_of(study, ReadRole.SECOND).status == ReadSlotStatus.OPEN  # a second human, no arbitration
    assert not study.read_slots.filter(role=ReadRole.ARBITRATION).exists()
