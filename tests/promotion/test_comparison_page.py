"""The comparison page: the two models on the same studies against the known truth, the gate's
verdict, the cards; aggregates only, opened by auditors and administrators, the opening audited."""

import pytest
from django.urls import reverse

from screening.core.models import AuditEvent
from screening.promotion.comparison_selectors import campaign_comparison
from tests.inference_jobs.job_fixtures import ai_campaign
from tests.promotion.comparison_world import lenient_criteria, recalibrated_rows, scored_by_both
from tests.promotion.shadow_world import ACTIVE_KEY, SHADOW_KEY, shadow_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(registry):
    campaign = shadow_campaign()
    rows = recalibrated_rows()
    rows += [(0.6, 0.55, "unknown")] * 5  # truth not known yet: in the band table, not in the AUC
    scored_by_both(campaign, rows)
    return campaign


def test_the_figures_pair_the_studies_and_read_their_truth(campaign):
    page = campaign_comparison(campaign=campaign)
    figures = page.comparison
    assert (figures.studies, figures.cancers, figures.without_cancer, figures.unknown) == (35, 8, 22, 5)
    # The shadow keeps every study's rank: the same AUC, a zero difference, but bands move.
    assert figures.auc.first_auc == figures.auc.second_auc == 1.0
    assert figures.auc.difference == 0.0
    assert figures.kappa.kappa < 1.0
    assert not page.gate.met  # the default criteria want 200 studies


def test_the_auditor_sees_the_figures_and_gate_without_the_actions(campaign, auditor_client, auditor):
    response = auditor_client.get(reverse("promotion:comparison", args=[campaign.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="paired-studies">35<' in text and "criteria not met" in text
    assert SHADOW_KEY in text and 'id="band-shifts"' in text and 'id="score-scatter"' in text
    assert "promote-form" not in text and "shadow-form" not in text
    assert AuditEvent.objects.filter(
        object_type="model_comparison", object_id=str(campaign.pk), actor_username=auditor.username
    ).exists()


def test_the_admin_sees_the_gate_met_and_the_promotion_form_beside_the_card(campaign, admin_client_):
    lenient_criteria(campaign)
    text = admin_client_.get(reverse("promotion:comparison", args=[campaign.pk])).content.decode()
    assert "criteria met" in text and "criteria not met" not in text
    assert 'id="promote-form"' in text and 'id="shadow-card"' in text and 'id="shadow-form"' in text
    assert text.index('id="shadow-card"') < text.index('id="promote-form"')


def test_the_list_shows_each_campaign_s_models(campaign, auditor_client):
    text = auditor_client.get(reverse("promotion:list")).content.decode()
    assert campaign.name in text and SHADOW_KEY in text


def test_a_campaign_naming_no_model_shows_the_version_that_scores_it(registry, auditor_client):
    unnamed = ai_campaign(ai_model_name="", name="No model named")
    text = auditor_client.get(reverse("promotion:list")).content.decode()
    assert unnamed.name in text and f"{ACTIVE_KEY} (the programme&#x27;s latest)" in text


def test_the_nav_link_shows_to_auditors_and_admins_only(
    campaign, auditor_client, admin_client_, coordinator_client, radiologist_client
):
    link = 'href="/promotion/"'
    assert link in auditor_client.get("/").content.decode()
    assert link in admin_client_.get("/").content.decode()
    assert link not in coordinator_client.get("/").content.decode()
    assert link not in radiologist_client.get("/").content.decode()
