"""The outbound console (jobs, retry) and the destinations an administrator configures."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import message_service_error
from screening.outbound import console_selectors, destination_services, job_services
from screening.outbound.forms import DestinationForm

MANAGE = "outbound.manage_destinations"


@require_GET
@require_permission("outbound.view_outboundjob")
def console(request: HttpRequest) -> HttpResponse:
    summary = console_selectors.outbound_console(actor=Actor.from_request(request))
    return render(request, "outbound/console.html", {"summary": summary})


@require_POST
@require_permission("outbound.change_outboundjob")
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    job = get_object_or_404(console_selectors.jobs_visible(actor=actor), pk=job_id)
    try:
        job_services.job_retry(actor=actor, job=job)
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, f"Outbound job {job.pk} queued again.")
    return redirect("outbound:console")


@require_GET
@require_permission(MANAGE)
def destinations(request: HttpRequest) -> HttpResponse:
    rows = console_selectors.destinations_list(actor=Actor.from_request(request))
    return render(request, "outbound/destinations.html", {"destinations": rows})


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def destination_edit(request: HttpRequest, destination_id: int | None = None) -> HttpResponse:
    actor = Actor.from_request(request)
    destination = None
    if destination_id is not None:
        destination = console_selectors.destination_get(actor=actor, destination_id=destination_id)
        if destination is None:
            raise Http404("No such destination.")
    form = DestinationForm(request.POST or None, instance=destination)
    if request.method == "POST" and form.is_valid():
        try:
            saved = destination_services.destination_save(
                actor=actor, values=form.cleaned_data, destination=destination
            )
        except ValidationError as error:
            message_service_error(request, error)
        else:
            messages.success(request, f"Destination {saved.name} saved.")
            return redirect("outbound:destinations")
    return render(request, "outbound/destination_form.html", {"form": form, "destination": destination})
