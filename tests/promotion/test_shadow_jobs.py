"""A campaign's shadow model is queued behind its active model, stored with its role, and announced
to no later stage."""

import pytest
from django.urls import reverse

from screening.imaging.intake_signals import studies_announce
from screening.inference_jobs.models import InferenceImageResult, InferenceJob, InferenceResult, ModelRole
from screening.inference_jobs.result_signals import ai_result_stored
from screening.reading.models import ReadSlot
from tests.inference_jobs.job_fixtures import ai_campaign, imaged_episode, mg_study
from tests.promotion.shadow_world import (
    ACTIVE_KEY,
    SHADOW_KEY,
    SHADOW_NAME,
    SHADOW_SCORE,
    job_result_store,
    shadow_campaign,
    study_scored_by_both,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registry(registry):
    return registry


def test_the_shadow_job_is_queued_only_once_the_active_result_is_stored(
    django_capture_on_commit_callbacks, sent
):
    study = mg_study(imaged_episode(shadow_campaign()))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    [active_job] = InferenceJob.objects.filter(study=study)
    assert active_job.role == ModelRole.ACTIVE and active_job.model_key == ACTIVE_KEY
    assert [message["model_name"] for message in sent.messages] == ["test-breast"]
    with django_capture_on_commit_callbacks(execute=True):
        job_result_store(active_job, 0.3)
    shadow_job = InferenceJob.objects.get(study=study, role=ModelRole.SHADOW)
    assert shadow_job.model_key == SHADOW_KEY and shadow_job.queued_at > active_job.queued_at
    assert [message["model_name"] for message in sent.messages] == ["test-breast", SHADOW_NAME]


def test_a_campaign_without_a_shadow_queues_none(django_capture_on_commit_callbacks, sent):
    study = mg_study(imaged_episode(ai_campaign()))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    with django_capture_on_commit_callbacks(execute=True):
        job_result_store(InferenceJob.objects.get(study=study), 0.3)
    assert list(InferenceJob.objects.filter(study=study).values_list("role", flat=True)) == [ModelRole.ACTIVE]


def test_a_shadow_result_is_stored_with_its_role_and_announced_to_no_one(
    django_capture_on_commit_callbacks, sent
):
    announced: list[list[int]] = []

    def listener(sender, result_ids, **kwargs):
        announced.append(list(result_ids))

    ai_result_stored.connect(listener)
    try:
        scored = study_scored_by_both(
            shadow_campaign(), django_capture_on_commit_callbacks, active_score=0.3, shadow_score=SHADOW_SCORE
        )
    finally:
        ai_result_stored.disconnect(listener)
    assert announced == [[scored.active.pk]]
    assert InferenceResult.all_roles.get(pk=scored.shadow.pk).role == ModelRole.SHADOW
    # The default managers know only the active model's results and heat maps.
    assert list(InferenceResult.objects.filter(study=scored.study)) == [scored.active]
    assert set(
        InferenceImageResult.objects.filter(result__study=scored.study).values_list("result", flat=True)
    ) == {scored.active.pk}
    assert InferenceImageResult.all_roles.filter(result=scored.shadow).count() == 4
    assert set(ReadSlot.objects.filter(study=scored.study).values_list("ai_score", flat=True)) == {0.3}


def test_a_shadow_naming_the_active_model_queues_nothing(django_capture_on_commit_callbacks, sent):
    campaign = ai_campaign(ai_model_name=ACTIVE_KEY, ai_shadow_model_name=ACTIVE_KEY)
    study = mg_study(imaged_episode(campaign))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    with django_capture_on_commit_callbacks(execute=True):
        job_result_store(InferenceJob.objects.get(study=study), 0.3)
    assert InferenceJob.objects.filter(study=study).count() == 1


def test_the_job_console_marks_shadow_jobs(django_capture_on_commit_callbacks, sent, coordinator_client):
    study = mg_study(imaged_episode(shadow_campaign()))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    with django_capture_on_commit_callbacks(execute=True):
        job_result_store(InferenceJob.objects.get(study=study), 0.3)
    text = coordinator_client.get(reverse("inference_jobs:console")).content.decode()
    assert f'<code>{SHADOW_KEY}</code> <span class="muted">(shadow)</span>' in text
