"""Reading AI results of studies in the actor's scope; results and heat maps are patient data, audited."""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.urls import reverse

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.audited_reads import audited_get
from screening.core.models import AuditAction, AuditOutcome
from screening.imaging.models import Study
from screening.imaging.study_selectors import VIEW_AUDIT_SECONDS, studies_visible
from screening.inference_jobs.models import InferenceImageResult, InferenceJob, InferenceResult
from screening.inference_jobs.score_presentation import ShownScore, score_shown
from screening.patients.consent_services import ai_consent_withdrawn_at, ai_withheld_reason

RESULT = "inference_result"
HEATMAP = "inference_heatmap"


@dataclass
class StudyAi:
    """What the study page shows: the latest result (if any) and the study's jobs."""

    result: InferenceResult | None
    jobs: list[InferenceJob]
    overlays: dict[str, str] = field(default_factory=dict)  # view label, "instance:slice", instance -> URL
    withheld_reason: str = ""  # why the result is not shown (the participant withdrew AI consent)
    shown: ShownScore | None = None  # the result's score at the campaign's expected prevalence

    @property
    def latest_job(self) -> InferenceJob | None:
        return self.jobs[0] if self.jobs else None


def study_ai_get(*, actor: Actor, study: Study) -> StudyAi:
    """The AI result of a study the actor has already fetched from their scope; the read is audited.

    None shown (and nothing audited as read) while the participant's AI consent stands withdrawn.
    """
    jobs = list(InferenceJob.objects.of_active_model().filter(study=study).order_by("-queued_at", "-id"))
    withdrawn_at = ai_consent_withdrawn_at(patient_id=study.patient_id)
    if withdrawn_at is not None:
        return StudyAi(result=None, jobs=jobs, withheld_reason=ai_withheld_reason(withdrawn_at))
    result = (
        InferenceResult.objects.filter(study=study)
        .prefetch_related(Prefetch("images", InferenceImageResult.objects.defer("heatmap_levels")))
        .order_by("-created_at", "-id")
        .first()
    )
    overlays: dict[str, str] = {}
    if result is not None:
        audit_record(actor=actor, action=AuditAction.VIEW, object_type=RESULT, object_id=result.pk)
        for image in result.images.all():
            if not image.has_heatmap:
                continue
            url = reverse("inference_jobs:overlay_png", args=[image.pk])
            overlays[f"{image.instance_id}:{image.slice_index}"] = url
            overlays.setdefault(str(image.instance_id), url)
            if image.view_label:
                overlays[image.view_label] = url
    return StudyAi(result=result, jobs=jobs, overlays=overlays, shown=_shown(study, result))


def _shown(study: Study, result: InferenceResult | None) -> ShownScore | None:
    if result is None:
        return None
    episode = study.episode
    return score_shown(
        score=result.study_score,
        high=result.high_threshold,
        low=result.low_threshold,
        calibrated_at=result.calibration_prevalence,
        prevalence=episode.campaign.ai_expected_prevalence if episode is not None else None,
        sides=result.sides,
    )


def study_result_get(*, actor: Actor, study_id: int) -> InferenceResult | None:
    """The latest result of a study in scope (404 outside it); audited."""
    study = audited_get(
        actor=actor,
        queryset=studies_visible(actor=actor),
        object_id=study_id,
        object_type="study",
        missing="No such study.",
        audit_view=False,
    )
    result = (
        InferenceResult.objects.filter(study=study)
        .prefetch_related(Prefetch("images", InferenceImageResult.objects.defer("heatmap_levels")))
        .order_by("-created_at", "-id")
        .first()
    )
    if result is not None:
        _refuse_if_consent_withdrawn(actor=actor, result_id=result.pk, patient_id=study.patient_id)
        audit_record(actor=actor, action=AuditAction.VIEW, object_type=RESULT, object_id=result.pk)
    return result


def _refuse_if_consent_withdrawn(*, actor: Actor, result_id: int, patient_id: int | None) -> None:
    """PermissionDenied, audited as a denial, while the participant's AI consent stands withdrawn."""
    withdrawn_at = ai_consent_withdrawn_at(patient_id=patient_id)
    if withdrawn_at is None:
        return
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=RESULT,
        object_id=result_id,
        outcome=AuditOutcome.DENIED,
        detail={"reason": "ai_consent_withdrawn"},
    )
    raise PermissionDenied(ai_withheld_reason(withdrawn_at))


def image_result_get(*, actor: Actor, image_result_id: int) -> InferenceImageResult:
    """One image's heat map of a study in scope; audited once per result and hour, like images."""
    image = audited_get(
        actor=actor,
        queryset=InferenceImageResult.objects.filter(
            result__study__in=studies_visible(actor=actor)
        ).select_related("result__study"),
        object_id=image_result_id,
        object_type=HEATMAP,
        missing="No such heat map.",
        audit_view=False,
    )
    _refuse_if_consent_withdrawn(
        actor=actor, result_id=image.result_id, patient_id=image.result.study.patient_id
    )
    key = f"inference:result-viewed:{actor.username}:{image.result_id}"
    if cache.add(key, True, VIEW_AUDIT_SECONDS):
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type=RESULT,
            object_id=image.result_id,
            detail={"heatmaps": True},
        )
    return image
