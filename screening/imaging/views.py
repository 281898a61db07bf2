"""Imaging pages: browser upload, the study view and its images, intake, and reconciliation."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import TooManyFilesSent, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import message_service_error
from screening.imaging import rendering, study_selectors
from screening.imaging.ingestion_services import IngestOutcome, IngestStatus, IntakeFile, uploads_ingest
from screening.imaging.models import IntakeSource, Study, StudyMatch
from screening.imaging.reconciliation_forms import (
    ParticipantSearchForm,
    StudyAttachForm,
    StudyDetachForm,
    StudyRejectForm,
)
from screening.imaging.reconciliation_services import study_attach, study_detach, study_reject
from screening.imaging.window_presets import window_preset, window_presets

# Browsers send a folder as many files; the page's script sends them in batches of at most this
# many (and UPLOAD_BATCH_MEGABYTES) per request, each request stored as one intake batch.
UPLOAD_MAX_FILES = 50
UPLOAD_BATCH_MEGABYTES = 16
UPLOAD_MAX_FILE_BYTES = 512 * 1024 * 1024
UPLOAD_MAX_REQUEST_BYTES = 1024 * 1024 * 1024
VIEWER_SIZE = 1024
THUMBNAIL_SIZE = 96
IMAGE_MAX_AGE = study_selectors.VIEW_AUDIT_SECONDS  # no longer than an audited view lasts


@require_permission("imaging.upload_study")
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form; a POST ingests each file (or zip) and answers a result page or JSON."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    if request.method != "POST":
        return render(request, "imaging/upload.html", _upload_context())
    try:
        files = request.FILES.getlist("files")
    except TooManyFilesSent:
        files, problem = [], f"Send at most {UPLOAD_MAX_FILES} files at a time."
    else:
        problem = _upload_problem(files)
    if problem:
        if wants_json:
            return JsonResponse({"error": problem}, status=400)
        return render(request, "imaging/upload.html", _upload_context(problem=problem), status=400)
    actor = Actor.from_request(request)
    uploads = [IntakeFile(data=uploaded.read(), filename=uploaded.name or "") for uploaded in files]
    outcomes = uploads_ingest(actor=actor, source=IntakeSource.UPLOAD, uploads=uploads)
    rows = [
        _outcome_row(outcome, can_view=request.user.has_perm("imaging.view_study")) for outcome in outcomes
    ]
    if wants_json:
        return JsonResponse({"results": rows})
    return render(request, "imaging/upload.html", _upload_context(results=rows))


def _upload_context(*, problem: str = "", results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "problem": problem,
        "results": results,
        "max_files": UPLOAD_MAX_FILES,
        "batch_megabytes": UPLOAD_BATCH_MEGABYTES,
        "max_file_megabytes": UPLOAD_MAX_FILE_BYTES // (1024 * 1024),
    }


def _upload_problem(files: list[UploadedFile]) -> str:
    if not files:
        return "Choose at least one DICOM file, folder or zip archive."
    if len(files) > UPLOAD_MAX_FILES:
        return f"Send at most {UPLOAD_MAX_FILES} files at a time."
    if any((f.size or 0) > UPLOAD_MAX_FILE_BYTES for f in files):
        return f"Each file may be at most {UPLOAD_MAX_FILE_BYTES // (1024 * 1024)} MB."
    if sum(f.size or 0 for f in files) > UPLOAD_MAX_REQUEST_BYTES:
        return "Send fewer files at a time: the files together are too large."
    return ""


def _outcome_row(outcome: IngestOutcome, *, can_view: bool) -> dict[str, Any]:
    status = IngestStatus(outcome.status)
    study = outcome.study
    return {
        "filename": outcome.filename,
        "status": status.value,
        "status_label": status.label,
        "reason": outcome.reason,
        "message": outcome.message,
        "sop_instance_uid": outcome.sop_instance_uid,
        "study_url": reverse("imaging:study", args=[study.pk]) if study is not None and can_view else "",
    }


@require_GET
@require_permission("imaging.view_study")
def study_detail(request: HttpRequest, study_id: int) -> HttpResponse:
    """Series, instances and a server-rendered view: MG hung as four views, others as a stack."""
    study = study_selectors.study_get(actor=Actor.from_request(request), study_id=study_id)
    series_list = list(study.series.all())
    modality = study.modality or next((s.modality for s in series_list if s.modality), "")
    try:
        window = window_preset(modality, request.GET.get("window")).name
    except ValueError:
        window = window_preset(modality, None).name
    context: dict[str, Any] = {
        "study": study,
        "series_list": series_list,
        "modality": modality,
        "presets": window_presets(modality),
        "window": window,
        "viewer_size": VIEWER_SIZE,
        "thumbnail_size": THUMBNAIL_SIZE,
        "is_mammogram": modality.upper() == "MG",
    }
    if request.user.has_perm("imaging.reconcile_study"):  # who attached it, when and why
        context["match_history"] = study_selectors.study_match_history(study=study)
    if context["is_mammogram"]:
        context["mammogram_rows"] = study_selectors.mammogram_layout(study)
    else:
        context.update(_stack_context(request, study))
    return render(request, "imaging/study.html", context)


def _stack_context(request: HttpRequest, study: Study) -> dict[str, Any]:
    series = study_selectors.stack_series(study, _int_param(request, "series"))
    slices = study_selectors.stack_slices(series) if series is not None else []
    position = min(max(_int_param(request, "slice") or 1, 1), max(len(slices), 1))
    return {
        "stack_series": series,
        "slices": slices,
        "slice_number": position,
        "current_slice": slices[position - 1] if slices else None,
        "slice_data": [
            {"url": reverse("imaging:frame_png", args=[s.instance.pk, s.frame]), "caption": s.caption}
            for s in slices
        ],
    }


def _int_param(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET[name])
    except (KeyError, ValueError):
        return None


@require_GET
@require_permission("imaging.view_study")
def frame_png(request: HttpRequest, instance_id: int, frame: int) -> HttpResponse:
    """One frame as a PNG under a window preset, optionally downscaled; private to the browser."""
    size = _int_param(request, "size")
    if "size" in request.GET and size is None:
        return HttpResponseBadRequest("size must be a whole number.")
    instance = study_selectors.instance_get(
        actor=Actor.from_request(request), instance_id=instance_id, frame=frame
    )
    try:
        png = rendering.frame_png(instance, frame=frame, window=request.GET.get("window") or None, size=size)
    except IndexError as error:
        raise Http404("No such frame.") from error
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    except rendering.RenderingError:
        return HttpResponse("This image cannot be decoded.", status=422, content_type="text/plain")
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = f"private, max-age={IMAGE_MAX_AGE}"
    return response


@require_GET
@require_permission("imaging.view_intakerejection")
def intake(request: HttpRequest) -> HttpResponse:
    summary = study_selectors.intake_summary(actor=Actor.from_request(request))
    return render(request, "imaging/intake.html", {"summary": summary})


@require_GET
@require_permission("imaging.reconcile_study")
def reconciliation_queue(request: HttpRequest) -> HttpResponse:
    studies = study_selectors.studies_awaiting_reconciliation(actor=Actor.from_request(request))
    return render(request, "imaging/reconciliation_queue.html", {"studies": studies[:200]})


@require_GET
@require_permission("imaging.reconcile_study")
def reconciliation_study(request: HttpRequest, study_id: int) -> HttpResponse:
    """One awaiting study as received, with a participant search to attach it, or a rejection."""
    actor = Actor.from_request(request)
    study = study_selectors.study_get(actor=actor, study_id=study_id)
    form = ParticipantSearchForm(request.GET or None)
    candidates = []
    if form.is_valid() and form.cleaned_data["q"]:
        candidates = study_selectors.reconciliation_candidates(
            actor=actor, study=study, query=form.cleaned_data["q"]
        )
    context = {"study": study, "form": form, "candidates": candidates, "reject_form": StudyRejectForm()}
    return render(request, "imaging/reconciliation_study.html", context)


@require_POST
@require_permission("imaging.reconcile_study")
def reconciliation_attach(request: HttpRequest, study_id: int) -> HttpResponse:
    """Attach to a chosen episode; a refusal (details differ without a reason...) returns to the search."""
    actor = Actor.from_request(request)
    study = study_selectors.study_get(actor=actor, study_id=study_id)
    form = StudyAttachForm(request.POST)
    back = reverse("imaging:reconciliation_study", args=[study.pk])
    if request.POST.get("q"):
        back += "?" + urlencode({"q": request.POST["q"][:100]})
    if not form.is_valid():
        messages.error(request, "Choose a participant's episode to attach the study to.")
        return redirect(back)
    targets = study_selectors.attach_targets_get(
        actor=actor, patient_id=form.cleaned_data["patient"], episode_id=form.cleaned_data["episode"]
    )
    if targets is None:
        messages.error(request, "No such participant or episode.")
        return redirect(back)
    patient, episode = targets
    try:
        study = study_attach(
            actor=actor, study=study, patient=patient, episode=episode, reason=form.confirmed_reason()
        )
    except ValidationError as error:
        message_service_error(request, error)
        return redirect(back)
    if study.match_status != StudyMatch.MATCHED:
        messages.error(request, f"Not attached: {study.match_note}.")
        return redirect(back)
    messages.success(request, f"Study {study.pk} attached to episode {episode.pk}.")
    return redirect("imaging:reconciliation")


@require_POST
@require_permission("imaging.reconcile_study")
def reconciliation_detach(request: HttpRequest, study_id: int) -> HttpResponse:
    """Detach an attached study with a reason: back to the queue, its episode back to awaiting images."""
    actor = Actor.from_request(request)
    study = study_selectors.study_get(actor=actor, study_id=study_id)
    form = StudyDetachForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason the study is detached.")
        return redirect("imaging:study", study.pk)
    try:
        study_detach(actor=actor, study=study, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        message_service_error(request, error)
        return redirect("imaging:study", study.pk)
    messages.success(request, f"Study {study.pk} detached; it awaits reconciliation.")
    return redirect("imaging:reconciliation_study", study.pk)


@require_POST
@require_permission("imaging.reconcile_study")
def reconciliation_reject(request: HttpRequest, study_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    study = study_selectors.study_get(actor=actor, study_id=study_id)
    form = StudyRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason the study is rejected.")
        return redirect("imaging:reconciliation_study", study.pk)
    try:
        study_reject(actor=actor, study=study, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        message_service_error(request, error)
        return redirect("imaging:reconciliation_study", study.pk)
    messages.success(request, f"Study {study.pk} rejected.")
    return redirect("imaging:reconciliation")
