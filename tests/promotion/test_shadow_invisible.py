"""A shadow model's results are stored but reach no reader: not the worklist or its triage, the
reading view, the study page, the heat maps, the study result API, the AI second reader's call,
the KPI facts or the research export's facts. Each check would show the shadow's score (0.987654,
high band) had it leaked; the active model said 0.05 (low band)."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from screening.campaigns.models import ReadingPolicy
from screening.core.models import AuditEvent
from screening.reading.models import ReadRole, ReadSlot
from screening.reading.worklist_selectors import worklist_page
from screening.research.study_facts import studies_facts
from screening.statistics.kpi_facts_services import kpi_facts_refresh
from screening.statistics.models import EpisodeKpiFacts
from tests.page_text import shows_figure
from tests.promotion.shadow_world import (
    SHADOW_KEY,
    SHADOW_NAME,
    SHADOW_SCORE,
    shadow_campaign,
    study_scored_by_both,
)
from tests.reading.conftest import reader, sign_read

pytestmark = pytest.mark.django_db
SHOWN = ("0.988", "0.9877", "98.8", str(SHADOW_SCORE), SHADOW_NAME)


@pytest.fixture
def scored(registry, django_capture_on_commit_callbacks, sent):
    campaign = shadow_campaign(reading_policy=ReadingPolicy.SINGLE)
    return study_scored_by_both(
        campaign, django_capture_on_commit_callbacks, active_score=0.05, shadow_score=SHADOW_SCORE
    )


@pytest.fixture
def radiologist(scored):
    return reader("shadow-reader", scored.study.episode.campaign)


def _client(actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def _assert_no_shadow(text: str) -> None:
    leaked = [value for value in SHOWN if shows_figure(text, value)]
    assert not leaked, f"the shadow model's result shows: {leaked}"


def test_the_worklist_orders_and_bands_by_the_active_model(scored, radiologist):
    [entry] = worklist_page(actor=radiologist).entries
    assert entry.band == "low" and entry.slot.ai_score == pytest.approx(0.05)
    page = _client(radiologist).get(reverse("reading:worklist"))
    assert page.status_code == 200
    _assert_no_shadow(page.content.decode())


def test_the_reading_view_and_study_page_show_the_active_result_and_its_heat_maps(scored, radiologist):
    client = _client(radiologist)
    slot = ReadSlot.objects.get(study=scored.study, role=ReadRole.FIRST)
    for url in (reverse("reading:read", args=[slot.pk]), reverse("imaging:study", args=[scored.study.pk])):
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        _assert_no_shadow(text)
        assert "0.050" in text or "0.05" in text
        for image in scored.shadow.images.model.all_roles.filter(result=scored.shadow):
            assert reverse("inference_jobs:overlay_png", args=[image.pk]) not in text


def test_the_shadow_heat_maps_are_not_served(scored, radiologist):
    client = _client(radiologist)
    active_image = scored.active.images.first()
    assert client.get(reverse("inference_jobs:overlay_png", args=[active_image.pk])).status_code == 200
    shadow_image = type(active_image).all_roles.filter(result=scored.shadow).first()
    assert client.get(reverse("inference_jobs:overlay_png", args=[shadow_image.pk])).status_code == 404


def test_the_study_result_api_answers_with_the_active_result(scored, radiologist):
    api = APIClient()
    api.force_authenticate(radiologist.user)
    data = api.get(reverse("study-ai-result", args=[scored.study.pk])).json()
    assert data["id"] == scored.active.pk and data["study_score"] == pytest.approx(0.05)
    assert data["model_name"] != SHADOW_NAME
    _assert_no_shadow(str(data))


def test_reads_record_and_decide_on_the_active_score(scored, radiologist):
    signed = sign_read(radiologist, ReadSlot.objects.get(study=scored.study, role=ReadRole.FIRST))
    assert signed.ai_score == pytest.approx(0.05) and signed.ai_band == "low"


def test_kpi_facts_and_research_facts_hold_the_active_result(scored):
    kpi_facts_refresh([scored.study.episode_id])
    facts = EpisodeKpiFacts.objects.get(episode_id=scored.study.episode_id)
    assert facts.ai_score == pytest.approx(0.05) and facts.ai_model != SHADOW_KEY
    study = type(scored.study).objects.select_related("episode__campaign__programme").get(pk=scored.study.pk)
    assert studies_facts([study])[study.pk].ai.pk == scored.active.pk


def test_no_reader_is_recorded_as_having_seen_the_shadow_result(scored, radiologist):
    client = _client(radiologist)
    slot = ReadSlot.objects.get(study=scored.study, role=ReadRole.FIRST)
    client.get(reverse("reading:read", args=[slot.pk]))
    client.get(reverse("imaging:study", args=[scored.study.pk]))
    viewed = set(
        AuditEvent.objects.filter(object_type="inference_result", action="view").values_list(
            "object_id", flat=True
        )
    )
    assert str(scored.active.pk) in viewed and str(scored.shadow.pk) not in viewed
