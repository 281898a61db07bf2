"""Requesting, cancelling and retrying research exports; each state change kept as an event."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from screening.campaigns.models import Campaign, EpisodeResult, Programme
from screening.core.actors import Actor
from screening.core.after_response import run_after_response
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.core.status_events import status_event_fields
from screening.inference_jobs.models import TriageBand
from screening.outcomes.episode_truth import Truth
from screening.research.models import ACTIVE_STATUSES, ExportJob, ExportJobEvent, ExportStatus

EXPORT_JOB = "research_export"
SYSTEM_ACTOR = Actor.system("research-exports")
# The export task (tasks.export_run_task), on the default queue.
EXPORT_RUN = "research.export_run"


@dataclass(frozen=True)
class ExportRequest:
    """What a coordinator asks for (the form and the API fill it the same way)."""

    programme: Programme
    purpose: str
    approval_reference: str
    campaign: Campaign | None = None
    period_start: date | None = None
    period_end: date | None = None
    truth: str = ""
    ai_band: str = ""
    reader_result: str = ""
    modality: str = ""
    retain_dates_shifted: bool = False
    retain_patient_characteristics: bool = False
    retain_device_identity: bool = False
    ocr_check: bool = True


def export_request_errors(request: ExportRequest) -> dict[str, list[str]]:
    """What is wrong with a request, per field (empty when it may run)."""
    errors: dict[str, list[str]] = {}
    if not request.purpose.strip():
        errors["purpose"] = ["Say what the data are for (the approved research purpose)."]
    if not request.approval_reference.strip():
        errors["approval_reference"] = ["Give the approval reference (ethics or governance board)."]
    if request.campaign is not None and request.campaign.programme_id != request.programme.pk:
        errors["campaign"] = ["This campaign belongs to another programme."]
    if request.period_start and request.period_end and request.period_start > request.period_end:
        errors["period_end"] = ["The period ends before it starts."]
    choices = {
        "truth": [truth.value for truth in Truth],
        "ai_band": [band for band in TriageBand.values],
        "reader_result": EpisodeResult.values,
    }
    for name, allowed in choices.items():
        value = getattr(request, name)
        if value and value not in allowed:
            errors[name] = [f"Unknown value {value!r}; one of: {', '.join(allowed)}."]
    return errors


@transaction.atomic
def export_request(*, actor: Actor, request: ExportRequest) -> ExportJob:
    """Queue an export (audited); it runs on the default queue once this transaction commits."""
    errors = export_request_errors(request)
    if actor.user is None:
        errors["__all__"] = ["An export is requested by a signed-in person, who alone may download it."]
    if errors:
        raise ValidationError(errors)
    fields: dict[str, Any] = {name: getattr(request, name) for name in ExportRequest.__dataclass_fields__}
    fields["purpose"] = request.purpose.strip()
    fields["approval_reference"] = request.approval_reference.strip()
    job = ExportJob.objects.create(requested_by=actor.user, **fields)  # type: ignore[misc]
    export_event(job, "", ExportStatus.QUEUED, actor=actor, note="requested")
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=EXPORT_JOB,
        object_id=job.pk,
        detail={"programme": request.programme.code, "approval_reference": job.approval_reference},
    )
    export_dispatch_on_commit(job_id=job.pk)
    return job


@transaction.atomic
def export_cancel(*, actor: Actor, job: ExportJob) -> ExportJob:
    """Cancel a queued export now, or ask a running one to stop before its next file."""
    job = ExportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in ACTIVE_STATUSES:
        raise ValidationError(f"Export {job.pk} is {job.get_status_display().lower()}: nothing to cancel.")
    job.cancel_requested = True
    job.save(update_fields=["cancel_requested", "updated_at"])
    if job.status == ExportStatus.QUEUED:
        export_finish(job, ExportStatus.CANCELLED, actor=actor, note="cancelled before it started")
    else:
        export_event(job, job.status, job.status, actor=actor, note="cancel requested")
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=EXPORT_JOB,
        object_id=job.pk,
        detail={"cancel": True},
    )
    return job


@transaction.atomic
def export_retry(*, actor: Actor, job: ExportJob) -> ExportJob:
    """Queue a failed or cancelled export again (a new attempt builds a new package from scratch)."""
    job = ExportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ExportStatus.FAILED, ExportStatus.CANCELLED):
        raise ValidationError(
            f"Export {job.pk} is {job.get_status_display().lower()}: "
            "only a failed or cancelled export is retried."
        )
    previous = job.status
    job.status, job.cancel_requested, job.error = ExportStatus.QUEUED, False, ""
    job.progress_done = job.progress_total = 0
    job.attempts = 0
    job.finished_at = None
    job.save(
        update_fields=[
            "status",
            "cancel_requested",
            "error",
            "progress_done",
            "progress_total",
            "attempts",
            "finished_at",
            "updated_at",
        ]
    )
    export_event(job, previous, ExportStatus.QUEUED, actor=actor, note="retried")
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=EXPORT_JOB,
        object_id=job.pk,
        detail={"retry": True},
    )
    export_dispatch_on_commit(job_id=job.pk)
    return job


def export_dispatch_on_commit(*, job_id: int) -> None:
    """Send the export's task once the transaction commits; in-process (the embedded default) it
    runs after the response is sent, so the request page answers at once."""

    def dispatch() -> None:
        # By name: the task module imports the runner, which imports these services.
        current_app.signature(EXPORT_RUN, kwargs={"job_id": job_id}).apply_async()

    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: run_after_response(dispatch))
    else:
        transaction.on_commit(dispatch)


def export_finish(
    job: ExportJob, status: str, *, actor: Actor = SYSTEM_ACTOR, error: str | None = None, note: str = ""
) -> None:
    """Move a (locked) export to a final state."""
    previous = job.status
    job.status = status
    job.finished_at = timezone.now()
    if error is not None:
        job.error = error[:8000]
    job.save(update_fields=["status", "finished_at", "error", "updated_at"])
    export_event(job, previous, status, actor=actor, note=note or (error or ""))


def export_event(
    job: ExportJob, from_status: str, to_status: str, *, actor: Actor = SYSTEM_ACTOR, note: str = ""
) -> None:
    """Record one change of the export's state."""
    ExportJobEvent.objects.create(**status_event_fields(job, from_status, to_status, actor=actor, note=note))
