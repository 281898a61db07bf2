"""Promotion and roll-back: an administrator's actions only, through the gate or an override with a
reason, kept as rows and audited; new studies are scored by the promoted version from then on."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from screening.campaigns.models import CampaignSettingsChange
from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.imaging.intake_signals import studies_announce
from screening.inference_jobs.models import InferenceJob, ModelRole
from screening.promotion.models import PromotionEvent, PromotionKind
from screening.promotion.promotion_services import (
    active_model_set,
    model_promote,
    model_roll_back,
    shadow_model_set,
)
from tests.inference_jobs.job_fixtures import imaged_episode, mg_study
from tests.promotion.comparison_world import lenient_criteria, recalibrated_rows, scored_by_both
from tests.promotion.shadow_world import ACTIVE_KEY, SHADOW_KEY, job_result_store, shadow_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(registry):
    campaign = shadow_campaign()
    scored_by_both(campaign, recalibrated_rows())
    return campaign


def _audited(campaign, outcome="success"):
    return AuditEvent.objects.filter(
        object_type="campaign_models", object_id=str(campaign.pk), outcome=outcome
    )


def test_an_admin_promotes_a_shadow_that_meets_the_gate(campaign, admin_user):
    lenient_criteria(campaign)
    event = model_promote(actor=Actor.for_user(admin_user), campaign=campaign)
    campaign.refresh_from_db()
    assert (campaign.ai_model_name, campaign.ai_shadow_model_name) == (SHADOW_KEY, ACTIVE_KEY)
    assert (event.kind, event.from_model, event.to_model, event.actor) == (
        PromotionKind.PROMOTION,
        ACTIVE_KEY,
        SHADOW_KEY,
        admin_user,
    )
    assert event.criteria_met and event.override_reason == ""
    assert event.criteria["studies"] == {"required": 20, "observed": 30, "passed": True}
    assert event.criteria["cancers"]["observed"] == 8
    assert event.criteria["auc_not_worse"]["observed"] == pytest.approx(0.0, abs=1e-9)
    [audit] = _audited(campaign)
    assert audit.detail["kind"] == "promotion" and audit.detail["to"] == SHADOW_KEY
    assert CampaignSettingsChange.objects.get(campaign=campaign).changes["ai_model_name"] == [
        ACTIVE_KEY,
        SHADOW_KEY,
    ]


def test_unmet_criteria_need_an_override_with_a_reason(campaign, admin_user):
    admin = Actor.for_user(admin_user)  # the default criteria ask for 200 studies: 30 are paired
    with pytest.raises(ValidationError, match="override"):
        model_promote(actor=admin, campaign=campaign)
    assert not PromotionEvent.objects.exists() and not _audited(campaign).exists()
    event = model_promote(actor=admin, campaign=campaign, override_reason="Vendor safety notice: urgent")
    assert not event.criteria_met and event.override_reason == "Vendor safety notice: urgent"
    assert event.criteria["studies"] == {"required": 200, "observed": 30, "passed": False}
    assert _audited(campaign).get().detail["override"] is True


@pytest.mark.parametrize("role_user", ["coordinator", "auditor", "radiologist"])
def test_only_an_administrator_changes_a_campaign_s_models(campaign, role_user, request):
    actor = Actor.for_user(request.getfixturevalue(role_user))
    lenient_criteria(campaign)
    for action in (
        lambda: model_promote(actor=actor, campaign=campaign),
        lambda: model_roll_back(actor=actor, campaign=campaign, reason="x"),
        lambda: shadow_model_set(actor=actor, campaign=campaign, model=""),
        lambda: active_model_set(actor=actor, campaign=campaign, model=SHADOW_KEY),
    ):
        with pytest.raises(PermissionDenied):
            action()
    campaign.refresh_from_db()
    assert (campaign.ai_model_name, campaign.ai_shadow_model_name) == (ACTIVE_KEY, SHADOW_KEY)
    assert _audited(campaign, "denied").count() == 4 and not PromotionEvent.objects.exists()


def test_the_pages_refuse_the_actions_to_anyone_but_an_admin(campaign, auditor_client, admin_client_):
    lenient_criteria(campaign)
    url = reverse("promotion:promote", args=[campaign.pk])
    assert auditor_client.post(url).status_code == 403
    assert not PromotionEvent.objects.exists()
    response = admin_client_.post(url, follow=True)
    assert response.status_code == 200 and "now the active model" in response.content.decode()
    assert PromotionEvent.objects.get().to_model == SHADOW_KEY


def test_roll_back_needs_a_reason_and_restores_the_replaced_version(campaign, admin_user):
    admin = Actor.for_user(admin_user)
    lenient_criteria(campaign)
    with pytest.raises(ValidationError, match="No promotion"):
        model_roll_back(actor=admin, campaign=campaign, reason="nothing to undo")
    model_promote(actor=admin, campaign=campaign)
    with pytest.raises(ValidationError, match="reason"):
        model_roll_back(actor=admin, campaign=campaign, reason="  ")
    event = model_roll_back(actor=admin, campaign=campaign, reason="Recall rate rose in the first week")
    campaign.refresh_from_db()
    assert (campaign.ai_model_name, campaign.ai_shadow_model_name) == (ACTIVE_KEY, SHADOW_KEY)
    assert (event.kind, event.from_model, event.to_model) == (PromotionKind.ROLLBACK, SHADOW_KEY, ACTIVE_KEY)
    assert event.override_reason == "Recall rate rose in the first week"
    assert [e["kind"] for e in _audited(campaign).values_list("detail", flat=True)] == [
        "promotion",
        "rollback",
    ]
    with pytest.raises(ValidationError, match="No promotion"):  # a roll-back is not undone by another
        model_roll_back(actor=admin, campaign=campaign, reason="again")


def test_new_studies_are_scored_by_the_promoted_version(
    campaign, admin_user, django_capture_on_commit_callbacks, sent
):
    lenient_criteria(campaign)
    model_promote(actor=Actor.for_user(admin_user), campaign=campaign)
    study = mg_study(imaged_episode(campaign))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    active_job = InferenceJob.objects.get(study=study)
    assert (active_job.role, active_job.model_key) == (ModelRole.ACTIVE, SHADOW_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        job_result_store(active_job, 0.4)
    assert InferenceJob.objects.get(study=study, role=ModelRole.SHADOW).model_key == ACTIVE_KEY


def test_the_shadow_is_chosen_among_the_programme_s_registered_versions(campaign, admin_user):
    admin = Actor.for_user(admin_user)
    with pytest.raises(ValidationError, match="not a registered model"):
        shadow_model_set(actor=admin, campaign=campaign, model="test-lung:2.0")
    with pytest.raises(ValidationError, match="active model"):
        shadow_model_set(actor=admin, campaign=campaign, model=ACTIVE_KEY)
    shadow_model_set(actor=admin, campaign=campaign, model="")
    campaign.refresh_from_db()
    assert campaign.ai_shadow_model_name == "" and _audited(campaign).get().detail["shadow"] == ""


def test_the_active_model_is_pinned_among_the_registered_versions_and_leaves_the_shadow(campaign, admin_user):
    admin = Actor.for_user(admin_user)
    with pytest.raises(ValidationError, match="not a registered model"):
        active_model_set(actor=admin, campaign=campaign, model="test-lung:2.0")
    campaign.refresh_from_db()
    assert campaign.ai_model_name == ACTIVE_KEY and not _audited(campaign).exists()
    active_model_set(actor=admin, campaign=campaign, model=SHADOW_KEY)  # the version in shadow
    campaign.refresh_from_db()
    assert (campaign.ai_model_name, campaign.ai_shadow_model_name) == (SHADOW_KEY, "")
    assert _audited(campaign).get().detail["changes"]["ai_model_name"] == [ACTIVE_KEY, SHADOW_KEY]
    assert campaign.settings_changes.last().changes["ai_shadow_model_name"] == [SHADOW_KEY, ""]
