"""A campaign running a second model version in shadow, with studies scored by both through the
real path: intake's announcement queues the active job, its stored result queues the shadow job,
whose result is stored in turn."""

from dataclasses import dataclass

from screening.campaigns.models import Campaign
from screening.imaging.intake_signals import studies_announce
from screening.imaging.models import Study
from screening.inference_jobs.models import InferenceJob, InferenceResult, ModelRole
from screening.inference_jobs.result_services import Prediction, results_store
from tests.inference_jobs.conftest import MODEL_NAME, MODEL_VERSION, model_card_write, prediction_for
from tests.inference_jobs.job_fixtures import ai_campaign, imaged_episode, mg_study

SHADOW_NAME, SHADOW_VERSION = "test-breast-shadow", "1.1.0"
SHADOW_KEY = f"{SHADOW_NAME}:{SHADOW_VERSION}"
ACTIVE_KEY = f"{MODEL_NAME}:{MODEL_VERSION}"
# A score no page would show by chance: if it appears, the shadow leaked.
SHADOW_SCORE = 0.987654


def shadow_card_write(model_root) -> None:
    model_card_write(
        model_root,
        name=SHADOW_NAME,
        version=SHADOW_VERSION,
        programme="breast",
        architecture="mg_view_camnet",
    )


def shadow_campaign(**fields: object) -> Campaign:
    return ai_campaign(ai_model_name=ACTIVE_KEY, ai_shadow_model_name=SHADOW_KEY, **fields)


@dataclass
class ScoredStudy:
    study: Study
    active: InferenceResult
    shadow: InferenceResult


def _message(job: InferenceJob) -> dict:
    images = [(str(i.pk), "") for i in job.study.series.get().instances.all()]
    return {"model_name": job.model_name, "model_version": job.model_version, "images": images}


def job_result_store(job: InferenceJob, score: float) -> InferenceResult:
    """What the worker's report does with a job's prediction (attempt 1)."""
    job.refresh_from_db()
    [stored] = results_store(
        predictions=[Prediction(job.pk, job.attempts, prediction_for(_message(job), score))]
    )
    return stored


def study_scored_by_both(
    campaign: Campaign, capture, *, active_score: float, shadow_score: float
) -> ScoredStudy:
    """A complete MG study announced by intake and scored by the active, then the shadow model.

    `capture` is pytest-django's django_capture_on_commit_callbacks (dispatches run as on commit)."""
    study = mg_study(imaged_episode(campaign))
    with capture(execute=True):
        studies_announce([study.pk])
    active_job = InferenceJob.objects.get(study=study, role=ModelRole.ACTIVE)
    with capture(execute=True):
        active = job_result_store(active_job, active_score)
    shadow_job = InferenceJob.objects.get(study=study, role=ModelRole.SHADOW)
    with capture(execute=True):
        shadow = job_result_store(shadow_job, shadow_score)
    return ScoredStudy(study=study, active=active, shadow=shadow)
