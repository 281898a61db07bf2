"""Queueing a campaign's shadow model behind its active one: a shadow job is created only once the
active model's result for the study is stored, so it never delays what readers wait for."""

from collections.abc import Iterable

from screening.imaging.models import Study
from screening.inference_jobs.job_services import JobRequest, jobs_create
from screening.inference_jobs.job_states import SYSTEM_ACTOR
from screening.inference_jobs.model_choice import ModelChoice, campaign_shadow_model
from screening.inference_jobs.models import InferenceJob, ModelRole


def shadow_jobs_enqueue(*, study_ids: Iterable[int]) -> list[InferenceJob]:
    """A shadow job per study whose campaign runs a model in shadow (none where it has one already)."""
    studies = list(
        Study.objects.filter(pk__in=list(study_ids))
        .exclude(episode__campaign__ai_shadow_model_name="")
        .select_related("episode__campaign__programme")
    )
    choices: dict[int, ModelChoice | None] = {}  # the registry is read once per campaign
    requests = []
    for study in studies:
        campaign = study.episode.campaign  # type: ignore[union-attr]
        if campaign.pk not in choices:
            choices[campaign.pk] = campaign_shadow_model(campaign)
        choice = choices[campaign.pk]
        if choice is not None:
            requests.append(JobRequest(study, choice.name, choice.version, role=ModelRole.SHADOW))
    return jobs_create(actor=SYSTEM_ACTOR, requests=requests) if requests else []
