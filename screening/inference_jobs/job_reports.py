"""What workers report about an attempt, applied to the job row: started, result, failed, lost.

Every report names its job and attempt. Start, failure and loss reports of an attempt other than
the job's current one are stale and ignored. A result is accepted from any attempt while the job
is still active (the work is as good), exactly once; consent is checked again before storing.
"""

import base64
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.inference_jobs.job_services import SYSTEM_ACTOR, job_event, job_finish, job_requeue, locked_job
from screening.inference_jobs.models import (
    InferenceImageResult,
    InferenceJob,
    InferenceResult,
    JobStatus,
    TriageBand,
)
from screening.inference_jobs.result_signals import ai_result_stored
from screening.inference_jobs.study_readiness import ai_consent_given

logger = logging.getLogger(__name__)

RESULT = "inference_result"
CONSENT_WITHDRAWN = "AI consent withdrawn"


def _current(job_id: int, attempt: int) -> InferenceJob | None:
    """The locked job when `attempt` is its current, active attempt; None for a stale report."""
    job = locked_job(job_id)
    if job is None or not job.is_active or job.attempts != attempt:
        logger.info("Ignored a stale report for job %s attempt %s", job_id, attempt)
        return None
    return job


@transaction.atomic
def job_mark_started(*, job_id: int, attempt: int, worker: str, device: str) -> bool:
    """A worker began the attempt: running, with a lease; cancelled if consent was withdrawn."""
    job = _current(job_id, attempt)
    if job is None:
        return False
    if not ai_consent_given(job.study):
        job_finish(job, JobStatus.CANCELLED, note=CONSENT_WITHDRAWN)
        return False
    previous = job.status
    now = timezone.now()
    job.status = JobStatus.RUNNING
    job.started_at = now
    job.lease_expires_at = now + timedelta(seconds=settings.INFERENCE_LEASE_SECONDS)
    job.worker, job.device = worker[:200], device[:32]
    job.save(update_fields=["status", "started_at", "lease_expires_at", "worker", "device", "updated_at"])
    job_event(job, previous, JobStatus.RUNNING, note=f"worker {job.worker} on {job.device}")
    return True


@transaction.atomic
def job_mark_failed(*, job_id: int, attempt: int, error: str, transient: bool) -> None:
    """The attempt raised: transient errors are retried with backoff (dead at the cap), others fail."""
    job = _current(job_id, attempt)
    if job is None:
        return
    if transient:
        job_requeue(job=job, note=f"attempt {attempt} failed", error=error)
    else:
        job_finish(job, JobStatus.FAILED, error=error)


@transaction.atomic
def job_mark_lost(*, job_id: int, attempt: int, note: str) -> None:
    """The attempt's worker died (its message came back) or its lease ran out: retry, or dead at the cap."""
    job = _current(job_id, attempt)
    if job is None:
        return
    job_requeue(job=job, note=note, error=f"worker lost during attempt {attempt}")


def triage_band(score: float, *, high: float, low: float) -> str:
    """High at or above the campaign's high threshold, low below its low threshold."""
    if score >= high:
        return TriageBand.HIGH
    if score < low:
        return TriageBand.LOW
    return TriageBand.INTERMEDIATE


@transaction.atomic
def job_result_store(*, job_id: int, attempt: int, prediction: dict[str, Any]) -> InferenceResult | None:
    """Store a prediction once: the job succeeds; a duplicate, late or unconsented one is dropped."""
    job = locked_job(job_id)
    if job is None or not job.is_active or InferenceResult.objects.filter(job=job).exists():
        logger.info("Ignored a result for job %s attempt %s", job_id, attempt)
        return None
    study = job.study
    if not ai_consent_given(study):
        job_finish(job, JobStatus.CANCELLED, note=f"{CONSENT_WITHDRAWN}: result discarded")
        return None
    campaign = study.episode.campaign  # type: ignore[union-attr]
    high, low = campaign.ai_high_suspicion_threshold, campaign.ai_low_suspicion_threshold
    score = float(prediction["study_score"])
    result = InferenceResult.objects.create(
        job=job,
        study=study,
        model_name=prediction.get("model_name") or job.model_name,
        model_version=prediction.get("model_version") or job.model_version,
        programme=prediction.get("programme", ""),
        study_score=score,
        band=triage_band(score, high=high, low=low),
        high_threshold=high,
        low_threshold=low,
        side_scores={k: float(v) for k, v in (prediction.get("side_scores") or {}).items()},
        device=prediction.get("device", ""),
        timings_ms=prediction.get("timings_ms") or {},
        attempt=attempt,
    )
    instance_ids = set(study_instance_ids(study.pk))
    for image in prediction.get("images", []):
        _image_store(result, image, instance_ids)
    job.timings_ms = result.timings_ms
    job.device = result.device or job.device
    job.save(update_fields=["timings_ms", "device", "updated_at"])
    job_finish(job, JobStatus.SUCCEEDED, error="", note=f"result {result.pk} from attempt {attempt}")
    audit_record(
        actor=SYSTEM_ACTOR,
        action=AuditAction.CREATE,
        object_type=RESULT,
        object_id=result.pk,
        detail={"job": job.pk, "study": study.pk, "images": result.images.count()},
    )
    ai_result_stored.send(sender=InferenceResult, study_id=study.pk, result_id=result.pk)
    return result


def study_instance_ids(study_id: int) -> list[int]:
    from screening.imaging.models import Instance

    return list(Instance.objects.filter(series__study_id=study_id).values_list("pk", flat=True))


def _image_store(result: InferenceResult, image: dict[str, Any], instance_ids: set[int]) -> None:
    instance_id = int(image["reference"])
    if instance_id not in instance_ids:
        raise ValueError(f"Result names instance {instance_id}, which is not in study {result.study_id}")
    slice_index = int(image.get("slice_index") or 0)
    name = heatmap_name(result.job_id, instance_id, slice_index)
    png = base64.b64decode(image["heatmap_png"]) if image.get("heatmap_png") else b""
    if png:
        if default_storage.exists(name):  # left by an attempt whose transaction rolled back
            default_storage.delete(name)
        name = default_storage.save(name, ContentFile(png))
    InferenceImageResult.objects.create(
        result=result,
        instance_id=instance_id,
        slice_index=slice_index,
        score=float(image["score"]),
        side=image.get("side") or "",
        view=image.get("view") or "",
        heatmap=name if png else "",
    )


def heatmap_name(job_id: int, instance_id: int, slice_index: int) -> str:
    """Where a heat map is stored: built from ids only."""
    return f"inference/heatmaps/job-{job_id}/instance-{instance_id}-{slice_index}.png"
