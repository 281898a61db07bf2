"""The demo's earlier round runs breast-demo-recal in shadow: every study the active model scored is
scored again by the recalibrated version, whose scores are exactly the active model's logits under
its card's temperature (the same weights), and the promotion page compares the two."""

import math

import pytest
from django.core.management import call_command

from screening.campaigns.models import Campaign
from screening.inference_jobs.models import InferenceResult, ModelRole
from screening.promotion.comparison_selectors import campaign_comparison

SHADOW, ACTIVE = "breast-demo-recal:2.0.0", "breast-demo:2.0.0"  # as `make seed` runs the earlier round


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


@pytest.mark.django_db
def test_the_earlier_round_runs_the_recalibrated_version_in_shadow(
    media_in_tmp, radiologist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "generate_cohort",
            programme="breast",
            patients=4,
            seed=203,
            prevalence=0.6,
            send="upload",
            months_ago=40,
            shadow_model=SHADOW,
            model=ACTIVE,
            out=media_in_tmp / "earlier",
        )
    campaign = Campaign.objects.get(name__contains="earlier round")
    assert (campaign.ai_model_name, campaign.ai_shadow_model_name) == (ACTIVE, SHADOW)
    active = {r.study_id: r for r in InferenceResult.objects.filter(study__episode__campaign=campaign)}
    shadow = {
        r.study_id: r
        for r in InferenceResult.all_roles.filter(study__episode__campaign=campaign, role=ModelRole.SHADOW)
    }
    assert active and set(shadow) == set(active)
    for study_id, result in active.items():
        assert (result.model_key, shadow[study_id].model_key) == (ACTIVE, SHADOW)
        # 2.0.0's temperature 0.648952, the recalibration's 0.973428: logits shrink by 1.5.
        assert _logit(shadow[study_id].study_score) == pytest.approx(
            _logit(result.study_score) / 1.5, rel=1e-4
        )
    page = campaign_comparison(campaign=campaign)
    assert page.comparison.studies == len(active)
    assert page.shadow_card["training_data"]["derived_from"] == "breast-demo:2.0.0"
