"""When intake announces studies, queue a job for each one that is complete and may be scored."""

import logging
from collections.abc import Callable, Iterable
from typing import Any

from screening.core.actors import Actor
from screening.imaging.intake_signals import ReceivedStudies
from screening.imaging.models import Study
from screening.inference_jobs.job_services import JobRequest, jobs_create
from screening.inference_jobs.job_states import SYSTEM_ACTOR
from screening.inference_jobs.model_choice import ModelChoice, campaign_model
from screening.inference_jobs.models import InferenceJob
from screening.inference_jobs.study_readiness import images_readiness, studies_eligible, volumes_short

logger = logging.getLogger(__name__)


def jobs_enqueue_for_studies(
    *, actor: Actor, study_ids: Iterable[int], studies: list[Study] | None = None
) -> list[InferenceJob]:
    """A job per ready study and its campaign's model; studies not ready yet are left for a later batch.

    ``studies``: the studies already read with their episode, campaign and programme (intake's
    ``ReceivedStudies``), else read here.

    Intake asks after every batch, and a CT may come a slice a batch: the images of a study are read
    only when they may be complete (``volumes_short`` counts slices in SQL) and its model has no job
    yet (``jobs_create`` would queue none), so that each batch costs as many rows whatever the study
    holds."""
    requests = []
    if studies is None:
        studies = list(
            Study.objects.filter(pk__in=list(study_ids)).select_related("episode__campaign__programme")
        )
    choices: dict[int, ModelChoice | None] = {}  # the registry is read once per campaign

    def choice_of(study: Study) -> ModelChoice | None:
        campaign = study.episode.campaign  # type: ignore[union-attr]
        if campaign.pk not in choices:
            choices[campaign.pk] = campaign_model(campaign)
        return choices[campaign.pk]

    readiness_of, eligible = studies_eligible(studies)
    readiness_of.update(volumes_short(eligible))
    unread = [study for study in eligible if study.pk not in readiness_of]
    queued = _queued(unread, choice_of)
    readiness_of.update(images_readiness([study for study in unread if study.pk not in queued]))
    for study in studies:
        if study.pk in queued:
            continue
        readiness = readiness_of[study.pk]
        if not readiness.ready:
            logger.info("Study %s not queued for AI: %s", study.pk, readiness.reason)
            continue
        choice = choice_of(study)
        if choice is not None:
            requests.append(JobRequest(study, choice.name, choice.version))
    return jobs_create(actor=actor, requests=requests)


def _queued(studies: list[Study], choice_of: Callable[[Study], ModelChoice | None]) -> set[int]:
    """The studies that already have a job of their campaign's model (one query)."""
    if not studies:
        return set()
    jobs = InferenceJob.objects.filter(study_id__in=[study.pk for study in studies])
    keys = set(jobs.values_list("study_id", "model_name", "model_version"))
    with_jobs = {study_id for study_id, _, _ in keys}
    queued = set()
    for study in studies:
        choice = choice_of(study) if study.pk in with_jobs else None
        if choice is not None and (study.pk, choice.name, choice.version) in keys:
            queued.add(study.pk)
    return queued


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
