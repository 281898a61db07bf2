"""The job console (with its JSON feed and actions), the heat-map overlays of the study page, and the
images a remote inference worker fetches with its job's token."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor, client_ip
from screening.core.form_errors import message_service_error
from screening.imaging.study_selectors import VIEW_AUDIT_SECONDS
from screening.inference_jobs import (
    heatmap_overlay,
    job_selectors,
    job_services,
    result_selectors,
    worker_access,
)
from screening.inference_jobs.models import InferenceJob


@require_GET
@require_permission("inference_jobs.view_inferencejob")
def console(request: HttpRequest) -> HttpResponse:
    summary = job_selectors.console_summary(actor=Actor.from_request(request))
    return render(request, "inference_jobs/console.html", {"summary": summary})


@require_GET
@require_permission("inference_jobs.view_inferencejob")
def console_json(request: HttpRequest) -> JsonResponse:
    """What the console's script polls to show progress without reloading."""
    return JsonResponse(job_selectors.console_summary(actor=Actor.from_request(request)).as_json())


@require_POST
@require_permission("inference_jobs.change_inferencejob")
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_action(request, job_id, job_services.job_retry, "queued again")


@require_POST
@require_permission("inference_jobs.change_inferencejob")
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_action(request, job_id, job_services.job_cancel, "cancelled")


def _job_action(
    request: HttpRequest, job_id: int, action: Callable[..., InferenceJob], done: str
) -> HttpResponse:
    """Apply a console action to a job in the user's scope; a refusal is shown as a message."""
    actor = Actor.from_request(request)
    job = get_object_or_404(job_selectors.jobs_visible(actor=actor), pk=job_id)
    try:
        action(actor=actor, job=job)
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, f"Job {job.pk} {done}.")
    return redirect("inference_jobs:console")


@require_GET
@require_permission("imaging.view_study")
def overlay_png(request: HttpRequest, image_result_id: int) -> HttpResponse:
    """One image's heat map as a coloured, translucent PNG to lay over the image; private to the browser."""
    image = result_selectors.image_result_get(
        actor=Actor.from_request(request), image_result_id=image_result_id
    )
    if not image.has_heatmap:
        raise Http404("No heat map for this image.")
    png = heatmap_overlay.overlay_png(heatmap_overlay.stored_heat(image))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = f"private, max-age={VIEW_AUDIT_SECONDS}"
    return response


@require_GET
def worker_instance(request: HttpRequest, job_id: int, instance_id: int) -> HttpResponseBase:
    """One stored instance of a job, for an inference worker with the job's token (no session: the
    worker has no account, only the token its message carries); refusals are audited."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    try:
        instance = worker_access.instance_for_worker(
            token=token, job_id=job_id, instance_id=instance_id, ip_address=client_ip(request)
        )
    except worker_access.TokenRefused as refused:
        return HttpResponse(f"Refused: {refused}.", status=403, content_type="text/plain")
    response = FileResponse(instance.file.open("rb"), content_type="application/dicom")
    response["Cache-Control"] = "no-store"
    return response


worker_instance.access_rule = worker_access.JOB_TOKEN  # type: ignore[attr-defined]
