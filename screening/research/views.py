"""Research export pages: list, request, detail (with progress), cancel, retry, download, and the
administrator's re-identification table."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import add_service_errors, message_service_error
from screening.research import export_selectors, export_services
from screening.research.forms import ExportRequestForm
from screening.research.models import ACTIVE_STATUSES, ExportJob

REQUEST_EXPORT = "research.request_export"


@require_GET
@require_permission(REQUEST_EXPORT)
def export_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    return render(
        request,
        "research/list.html",
        {
            "exports": export_selectors.exports_visible(actor=actor)[:200],
            "withdrawals": export_selectors.exports_with_withdrawals(actor=actor),
        },
    )


@require_http_methods(["GET", "POST"])
@require_permission(REQUEST_EXPORT)
def export_new(request: HttpRequest) -> HttpResponse:
    form = ExportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = export_services.export_request(
                actor=Actor.from_request(request), request=form.export_request()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Export {job.pk} queued.")
            return redirect("research:detail", job_id=job.pk)
    return render(request, "research/form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@require_permission(REQUEST_EXPORT)
def export_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = export_selectors.export_get(actor=Actor.from_request(request), job_id=job_id)
    return render(
        request,
        "research/detail.html",
        {
            "job": job,
            "active": job.status in ACTIVE_STATUSES,
            "events": job.events.all(),
            "withdrawals": export_selectors.export_withdrawals(job=job),
        },
    )


@require_GET
@require_permission(REQUEST_EXPORT)
def export_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """What the detail page's script polls: state and progress."""
    job = export_selectors.export_get(actor=Actor.from_request(request), job_id=job_id)
    return JsonResponse(
        {
            "status": job.status,
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.progress_percent,
            "finished": job.status not in ACTIVE_STATUSES,
        }
    )


@require_POST
@require_permission(REQUEST_EXPORT)
def export_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    return _action(request, job_id, export_services.export_cancel, "cancelled")


@require_POST
@require_permission(REQUEST_EXPORT)
def export_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    return _action(request, job_id, export_services.export_retry, "queued again")


def _action(request: HttpRequest, job_id: int, action: Callable[..., ExportJob], done: str) -> HttpResponse:
    actor = Actor.from_request(request)
    job = export_selectors.export_get(actor=actor, job_id=job_id)
    try:
        action(actor=actor, job=job)
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, f"Export {job.pk} {done}.")
    return redirect("research:detail", job_id=job.pk)


@require_GET
@require_permission(REQUEST_EXPORT)
def export_download(request: HttpRequest, job_id: int) -> HttpResponse:
    """The package, streamed from disk to its requester (or an administrator); audited."""
    actor = Actor.from_request(request)
    job = export_selectors.export_get(actor=actor, job_id=job_id)
    path = export_selectors.export_package_open(actor=actor, job=job)
    response: HttpResponse = FileResponse(  # type: ignore[assignment]
        path.open("rb"), as_attachment=True, filename=job.package_name, content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@require_permission("research.view_reidentification")
def export_reidentification(request: HttpRequest, job_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    job = export_selectors.export_get(actor=actor, job_id=job_id)
    entries = export_selectors.reidentification_list(actor=actor, job=job)
    response = render(request, "research/reidentification.html", {"job": job, "entries": entries})
    response["Cache-Control"] = "private, no-store"
    return response
