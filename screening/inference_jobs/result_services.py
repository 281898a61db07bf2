"""Storing what workers predicted: a result per job, with its per-image scores and heat maps.

The results of one worker message are stored together: the jobs locked in one query, every result,
image row and event written in one statement each (the image rows by COPY on PostgreSQL). A result
is accepted from any attempt while its job is still active (the work is as good), exactly once: the
locked row's state decides, and the database's unique constraints (one result per job, one image
row per result, instance and slice) hold it. Consent is checked again before storing (the
message's participants in one query), and the reading app hears of the message's results once
(``ai_result_stored`` with their study ids).
"""

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from screening.core.audit_services import AuditEntry, audit_record_many
from screening.core.models import AuditAction
from screening.inference_jobs.job_states import SYSTEM_ACTOR, job_event_fields, job_finish, jobs_locked
from screening.inference_jobs.models import (
    InferenceImageResult,
    InferenceJob,
    InferenceJobEvent,
    InferenceResult,
    JobStatus,
    ModelRole,
    TriageBand,
)
from screening.inference_jobs.result_signals import ai_result_stored
from screening.inference_jobs.shadow_jobs import shadow_jobs_enqueue
from screening.inference_jobs.study_readiness import ai_consent_given_for

logger = logging.getLogger(__name__)

RESULT = "inference_result"
CONSENT_WITHDRAWN = "AI consent withdrawn"


class ImageRow(NamedTuple):
    """One image's score and heat map, as InferenceImageResult stores them (its result aside)."""

    instance_id: int
    slice_index: int
    score: float
    side: str
    view: str
    heatmap_levels: bytes
    heatmap_rows: int
    heatmap_cols: int


# The columns image_rows_insert writes: the result, an ImageRow, and the (empty) legacy PNG file.
IMAGE_ROW_COLUMNS = ("result_id", *ImageRow._fields, "heatmap")


@dataclass(frozen=True)
class Prediction:
    """What a worker sent back for one attempt of a job."""

    job_id: int
    attempt: int
    payload: dict[str, Any]


def triage_band(score: float, *, high: float, low: float) -> str:
    """High at or above the campaign's high threshold, low below its low threshold."""
    if score >= high:
        return TriageBand.HIGH
    if score < low:
        return TriageBand.LOW
    return TriageBand.INTERMEDIATE


@transaction.atomic(savepoint=False)  # inside a report's transaction, a failure rolls back the report
def results_store(*, predictions: Sequence[Prediction]) -> list[InferenceResult]:
    """Store each prediction once: its job succeeds; a duplicate, late or unconsented one is dropped,
    and a malformed one fails its job, without holding back the others."""
    related = ("study__episode__campaign",)
    jobs = {job.pk: job for job in jobs_locked([p.job_id for p in predictions], related=related)}
    stored: set[int] = set()  # an active job has no result yet: a stored one makes it succeed
    instances = _instances_by_study({job.study_id for job in jobs.values()})
    consenting = ai_consent_given_for(job.study for job in jobs.values() if job.is_active)
    accepted: list[tuple[InferenceJob, InferenceResult, list[ImageRow]]] = []
    for prediction in predictions:
        job = jobs.get(prediction.job_id)
        if job is None or not job.is_active or job.pk in stored:
            logger.info("Ignored a result for job %s attempt %s", prediction.job_id, prediction.attempt)
            continue
        if not consenting[job.study_id]:
            job_finish(job, JobStatus.CANCELLED, note=f"{CONSENT_WITHDRAWN}: result discarded")
            continue
        try:
            result = _result(job, prediction)
            images = [
                _image(result, image, instances[job.study_id]) for image in prediction.payload["images"]
            ]
            if len({(image.instance_id, image.slice_index) for image in images}) != len(images):
                raise ValueError("an image is named twice")
        except (KeyError, TypeError, ValueError) as error:
            logger.exception("Malformed result for job %s attempt %s", job.pk, prediction.attempt)
            job_finish(job, JobStatus.FAILED, error=f"malformed result: {type(error).__name__}: {error}")
            continue
        stored.add(job.pk)
        accepted.append((job, result, images))
    if accepted:
        _write(accepted)
    return [result for _, result, _ in accepted]


def _write(accepted: list[tuple[InferenceJob, InferenceResult, list[ImageRow]]]) -> None:
    """One INSERT of results, one of image rows, one UPDATE of jobs, one INSERT of events, audited;
    one ``ai_result_stored`` for them all."""
    InferenceResult.objects.bulk_create([result for _, result, _ in accepted])  # ids come back
    image_rows_insert([(result.pk, image) for _, result, images in accepted for image in images])
    events = [
        job_event_fields(
            job, job.status, JobStatus.SUCCEEDED, note=f"result {result.pk} from attempt {result.attempt}"
        )
        for job, result, _ in accepted
    ]
    now, by_device = timezone.now(), dict[str, list[tuple[int, dict[str, Any]]]]()
    for job, result, _ in accepted:
        by_device.setdefault(result.device or job.device, []).append((job.pk, result.timings_ms))
    field = InferenceJob._meta.get_field("timings_ms")
    for device, jobs in by_device.items():  # one device per worker message: one UPDATE
        timings = [When(pk=job_id, then=Value(ms, output_field=field)) for job_id, ms in jobs]
        InferenceJob.objects.filter(pk__in=[job_id for job_id, _ in jobs]).update(
            status=JobStatus.SUCCEEDED,
            finished_at=now,
            updated_at=now,
            lease_expires_at=None,
            error="",
            device=device,
            timings_ms=Case(*timings, output_field=field),
        )
    InferenceJobEvent.objects.bulk_create(InferenceJobEvent(**fields) for fields in events)
    audit_record_many(
        actor=SYSTEM_ACTOR,
        entries=[
            AuditEntry(
                action=AuditAction.CREATE,
                object_type=RESULT,
                object_id=result.pk,
                detail={"job": job.pk, "study": job.study_id, "images": len(images), "role": job.role},
            )
            for job, result, images in accepted
        ],
    )
    # Only the active model's results go further (worklist, KPI facts); a shadow model's are kept
    # for the promotion comparison alone. The active results queue the shadow model behind them.
    active = [(job, result) for job, result, _ in accepted if result.role == ModelRole.ACTIVE]
    if active:
        ai_result_stored.send(
            sender=InferenceResult,
            study_ids=[job.study_id for job, _ in active],
            result_ids=[result.pk for _, result in active],
        )
        shadow_jobs_enqueue(study_ids=[job.study_id for job, _ in active])


def _result(job: InferenceJob, prediction: Prediction) -> InferenceResult:
    payload = prediction.payload
    # The thresholds the episode recorded when imaged (the campaign's, had it not recorded them).
    settings = job.study.episode.reading_settings  # type: ignore[union-attr]
    high, low = settings.ai_high_suspicion_threshold, settings.ai_low_suspicion_threshold
    score = float(payload["study_score"])
    return InferenceResult(
        job=job,
        study_id=job.study_id,
        model_name=payload.get("model_name") or job.model_name,
        model_version=payload.get("model_version") or job.model_version,
        role=job.role,
        programme=payload.get("programme", ""),
        study_score=score,
        calibration_prevalence=_prevalence(payload.get("calibration_prevalence")),
        band=triage_band(score, high=high, low=low),
        high_threshold=high,
        low_threshold=low,
        side_scores={k: float(v) for k, v in (payload.get("side_scores") or {}).items()},
        device=payload.get("device", ""),
        timings_ms=payload.get("timings_ms") or {},
        attempt=prediction.attempt,
    )


def _prevalence(value: Any) -> float | None:
    """The card's calibration prevalence, when the worker sent a valid one."""
    return float(value) if isinstance(value, int | float) and 0 < value < 1 else None


def _image(result: InferenceResult, image: dict[str, Any], instance_ids: set[int]) -> ImageRow:
    instance_id = int(image["reference"])
    if instance_id not in instance_ids:
        raise ValueError(f"Result names instance {instance_id}, which is not in study {result.study_id}")
    levels = base64.b64decode(image["heatmap"]) if image.get("heatmap") else b""
    rows, cols = (int(n) for n in image["heatmap_shape"]) if levels else (0, 0)
    if len(levels) != rows * cols:
        raise ValueError(f"Heat map of instance {instance_id}: {len(levels)} levels for {rows}x{cols}")
    return ImageRow(
        instance_id=instance_id,
        slice_index=int(image.get("slice_index") or 0),
        score=float(image["score"]),
        side=image.get("side") or "",
        view=image.get("view") or "",
        heatmap_levels=levels,
        heatmap_rows=rows,
        heatmap_cols=cols,
    )


def image_rows_insert(rows: Sequence[tuple[int, ImageRow]]) -> None:
    """Write (result id, image row) pairs in one statement: on PostgreSQL a COPY, which takes the
    rows as they are (an INSERT of a CT message's hundreds of rows and heat maps cost more to build
    and to parse than the rest of storing it), elsewhere one INSERT."""
    if connection.vendor != "postgresql":
        InferenceImageResult.objects.bulk_create(
            [InferenceImageResult(result_id=result_id, **row._asdict()) for result_id, row in rows],
            batch_size=500,
        )
        return
    meta = InferenceImageResult._meta
    quote = connection.ops.quote_name
    column_of = {field.attname: field.column or field.attname for field in meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in IMAGE_ROW_COLUMNS)
    # wrap_database_errors: the same Django exceptions as an INSERT (IntegrityError, OperationalError).
    sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for result_id, row in rows:
            copy.write_row((result_id, *row, ""))  # "": no PNG file (heat maps are levels)


def _instances_by_study(study_ids: set[int]) -> dict[int, set[int]]:
    from screening.imaging.models import Instance

    by_study: dict[int, set[int]] = {study_id: set() for study_id in study_ids}
    rows = Instance.objects.filter(series__study_id__in=study_ids).values_list("series__study_id", "pk")
    for study_id, instance_id in rows:
        by_study[study_id].add(instance_id)
    return by_study
