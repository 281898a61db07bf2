"""Campaigns whose studies both models scored, with each episode's truth settled: what the
comparison page and the gate are computed from (results written as the storing service leaves them)."""

from datetime import date

from django.utils import timezone
from pydicom.uid import generate_uid

from screening.campaigns.models import Campaign, EpisodeStatus
from screening.imaging.models import IntakeSource, Study, StudyMatch
from screening.inference_jobs.models import InferenceJob, InferenceResult, JobStatus, ModelRole
from screening.inference_jobs.result_services import triage_band
from screening.outcomes.episode_truth import Truth
from screening.promotion.models import PromotionCriteria
from screening.statistics.kpi_facts_services import kpi_facts_refresh
from screening.statistics.models import EpisodeKpiFacts
from tests.factories import EpisodeFactory
from tests.inference_jobs.conftest import MODEL_NAME, MODEL_VERSION
from tests.promotion.shadow_world import SHADOW_NAME, SHADOW_VERSION

TRUTH = {"cancer": Truth.SCREEN_DETECTED, "none": Truth.TRUE_NEGATIVE, "unknown": ""}


ModelKey = tuple[str, str]


def scored_by_both(
    campaign: Campaign,
    rows: list[tuple[float, float, str]],
    *,
    active: ModelKey = (MODEL_NAME, MODEL_VERSION),
    shadow: ModelKey = (SHADOW_NAME, SHADOW_VERSION),
) -> list[Study]:
    """A study per row (active score, shadow score, "cancer" / "none" / "unknown"), scored by both."""
    studies, truth_of = [], {}
    for active_score, shadow_score, truth in rows:
        episode = EpisodeFactory(campaign=campaign, status=EpisodeStatus.RESULT_ISSUED, result="routine")
        study = Study.objects.create(
            study_instance_uid=generate_uid(),
            patient=episode.patient,
            episode=episode,
            match_status=StudyMatch.MATCHED,
            modality="MG",
            first_source=IntakeSource.UPLOAD,
        )
        for (name, version), score, role in (
            (active, active_score, ModelRole.ACTIVE),
            (shadow, shadow_score, ModelRole.SHADOW),
        ):
            job = InferenceJob.objects.create(
                study=study,
                model_name=name,
                model_version=version,
                role=role,
                status=JobStatus.SUCCEEDED,
                queued_at=timezone.now(),
            )
            InferenceResult.all_roles.create(
                job=job,
                study=study,
                model_name=name,
                model_version=version,
                role=role,
                study_score=score,
                band=triage_band(score, high=0.5, low=0.1),
                high_threshold=0.5,
                low_threshold=0.1,
            )
        studies.append(study)
        truth_of[episode.pk] = TRUTH[truth]
    kpi_facts_refresh(list(truth_of))
    for episode_id, truth in truth_of.items():
        EpisodeKpiFacts.objects.filter(episode_id=episode_id).update(
            truth=truth, window_ends_on=date(2020, 1, 1)
        )
    return studies


def recalibrated_rows(n: int = 30, cancers: int = 8) -> list[tuple[float, float, str]]:
    """Scores the shadow pulls towards 0.5 without changing their order (as breast-demo-recal does)."""
    rows = []
    for i in range(n):
        active = 0.02 + 0.96 * i / (n - 1)
        truth = "cancer" if i >= n - cancers else "none"
        rows.append((active, 0.25 + 0.5 * active, truth))
    return rows


SHIPPED_ACTIVE, SHIPPED_SHADOW = ("breast-demo", "2.0.0"), ("breast-demo-recal", "2.0.0")


def shipped_shadow_campaign(rows: list[tuple[float, float, str]], **fields: object) -> Campaign:
    """A breast campaign on the shipped registry: breast-demo active, breast-demo-recal in shadow."""
    from tests.factories import CampaignFactory, programme

    campaign = CampaignFactory(
        programme=programme("breast"),
        ai_model_name=":".join(SHIPPED_ACTIVE),
        ai_shadow_model_name=":".join(SHIPPED_SHADOW),
        **fields,
    )
    scored_by_both(campaign, rows, active=SHIPPED_ACTIVE, shadow=SHIPPED_SHADOW)
    return campaign


def lenient_criteria(campaign: Campaign) -> PromotionCriteria:
    return PromotionCriteria.objects.create(
        programme=campaign.programme, minimum_studies=20, minimum_cancers=5, auc_margin=0.05
    )
