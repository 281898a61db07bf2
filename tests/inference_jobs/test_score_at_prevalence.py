"""AI scores at the campaign's expected prevalence (prior shift), or plainly not a probability."""

import itertools

import pytest
from django.urls import reverse

from inference.study_scoring import prior_shifted
from inference.synthetic.cohort import cohort_plan, write_study
from screening.imaging.intake_signals import studies_announce
from screening.inference_jobs.models import InferenceJob
from screening.inference_jobs.result_services import triage_band
from screening.inference_jobs.score_presentation import score_shown
from screening.inference_jobs.worker_inference import predict_study
from tests.inference.conftest import SHIPPED_MODELS
from tests.inference_jobs.conftest import prediction_for, result_store
from tests.inference_jobs.job_fixtures import ai_campaign, imaged_episode, mg_study

SCORES = (0.0, 0.02, 0.0999, 0.1, 0.1001, 0.3, 0.4999, 0.5, 0.5001, 0.81, 1.0)


@pytest.mark.parametrize("prevalence", [0.005, 0.02, 0.2, 0.5, 0.9])
def test_the_correction_never_moves_a_study_across_a_band(prevalence):
    for score, (low, high) in itertools.product(SCORES, [(0.1, 0.5), (0.198195, 0.524985), (0.05, 0.06)]):
        shown = score_shown(score=score, high=high, low=low, calibrated_at=0.5, prevalence=prevalence)
        assert triage_band(shown.score, high=shown.high_threshold, low=shown.low_threshold) == triage_band(
            score, high=high, low=low
        ), (score, high, low)


def test_without_a_prevalence_the_score_is_shown_as_stored_and_not_as_a_probability():
    shown = score_shown(
        score=0.81, high=0.5, low=0.1, calibrated_at=0.5, prevalence=None, sides=[("R", 0.81)]
    )
    assert (shown.score, shown.high_threshold, shown.low_threshold) == (0.81, 0.5, 0.1)
    assert not shown.is_probability and shown.sides == (("R", 0.81),)
    unknown = score_shown(score=0.81, high=0.5, low=0.1, calibrated_at=None, prevalence=0.02)
    assert not unknown.is_probability and unknown.score == 0.81


def test_scores_thresholds_and_sides_are_shifted_together():
    shown = score_shown(
        score=0.81, high=0.5, low=0.1, calibrated_at=0.5, prevalence=0.02, sides=[("R", 0.81), ("L", 0.05)]
    )
    assert shown.is_probability and shown.score == pytest.approx(0.0324 / (0.0324 + 0.19 * 1.96))
    assert shown.high_threshold == pytest.approx(0.02) and shown.sides[0][1] == pytest.approx(shown.score)


@pytest.fixture
def scored_at(django_capture_on_commit_callbacks, sent, radiologist, model_root, media_in_tmp):
    """A stored result (model calibrated at 0.5) in a campaign with the given expected prevalence."""

    def scored(prevalence):
        campaign = ai_campaign(ai_expected_prevalence=prevalence)
        campaign.assigned_staff.add(radiologist)
        study = mg_study(imaged_episode(campaign))
        with django_capture_on_commit_callbacks(execute=True):
            studies_announce([study.pk])
        job = InferenceJob.objects.get(study=study)
        prediction = prediction_for(sent[-1], score=0.81) | {"calibration_prevalence": 0.5}
        return result_store(job_id=job.pk, attempt=1, prediction=prediction)

    return scored


@pytest.mark.django_db
def test_the_reader_sees_the_probability_at_the_campaigns_prevalence_with_the_band_unchanged(
    radiologist_client, scored_at
):
    result = scored_at(0.02)
    assert result.study_score == 0.81 and result.calibration_prevalence == 0.5  # stored on the card's scale
    page = radiologist_client.get(reverse("imaging:study", args=[result.study_id])).content.decode()
    expected = float(prior_shifted(0.81, calibrated_at=0.5, prevalence=0.02))
    assert f'<b id="ai-score">{expected:.3f}</b>' in page and "High suspicion" in page
    assert "(high from 0.020, low below 0.002)" in page
    assert "Probability of a finding at this campaign's expected prevalence of 0.02" in page


@pytest.mark.django_db
def test_without_an_expected_prevalence_the_reader_is_told_the_score_is_not_a_probability(
    radiologist_client, scored_at
):
    result = scored_at(None)
    page = radiologist_client.get(reverse("imaging:study", args=[result.study_id])).content.decode()
    assert '<b id="ai-score">0.810</b>' in page and "not a probability for this campaign" in page
    assert "calibrated at a prevalence of 0.5" in page


def test_the_worker_sends_the_prevalence_the_models_card_is_calibrated_at(tmp_path):
    study = cohort_plan("breast", 1, 5, 0.0)[0]
    files = write_study(study, tmp_path)
    images = [(p.stem, str(p)) for p in files]
    payload = predict_study(
        root=SHIPPED_MODELS, model_name="breast-demo", model_version="2.0.0", images=images
    )
    assert payload["calibration_prevalence"] == 0.5
