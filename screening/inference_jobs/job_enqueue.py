"""When intake announces studies, queue a job for each one that is complete and may be scored."""

import logging
from collections.abc import Iterable
from typing import Any

from screening.core.actors import Actor
from screening.imaging.intake_signals import ReceivedStudies
from screening.imaging.models import Study
from screening.inference_jobs.job_services import JobRequest, jobs_create
from screening.inference_jobs.job_states import SYSTEM_ACTOR
from screening.inference_jobs.model_choice import ModelChoice, campaign_model
from screening.inference_jobs.models import InferenceJob
from screening.inference_jobs.study_readiness import studies_readiness

logger = logging.getLogger(__name__)


def jobs_enqueue_for_studies(
    *, actor: Actor, study_ids: Iterable[int], studies: list[Study] | None = None
) -> list[InferenceJob]:
    """A job per ready study and its campaign's model; studies not ready yet are left for a later batch.

    ``studies``: the studies already read with their episode, campaign and programme (intake's
    ``ReceivedStudies``), else read here."""
    requests = []
    if studies is None:
        studies = list(
            Study.objects.filter(pk__in=list(study_ids)).select_related("episode__campaign__programme")
        )
    readiness_of = studies_readiness(studies)
    choices: dict[int, ModelChoice | None] = {}  # the registry is read once per campaign
    for study in studies:
        readiness = readiness_of[study.pk]
        if not readiness.ready:
            logger.info("Study %s not queued for AI: %s", study.pk, readiness.reason)
            continue
        campaign = study.episode.campaign  # type: ignore[union-attr]
        if campaign.pk not in choices:
            choices[campaign.pk] = campaign_model(campaign)
        choice = choices[campaign.pk]
        if choice is not None:
            requests.append(JobRequest(study, choice.name, choice.version))
    return jobs_create(actor=actor, requests=requests)


def on_studies_received(
    sender: Any, study_ids: frozenset[int], studies: ReceivedStudies | None = None, **kwargs: Any
) -> None:
    """Receiver of ``imaging.intake_signals.studies_received`` (sent after the intake batch commits).

    Intake has already stored the images, so a failure here is logged rather than raised: the
    study can be queued again from the job console's retry or the next batch for it.
    """
    try:
        rows = studies.rows() if studies is not None else None
        jobs_enqueue_for_studies(actor=SYSTEM_ACTOR, study_ids=study_ids, studies=rows)
    except Exception:
        logger.exception("Queueing AI jobs failed for %d studies", len(study_ids))
