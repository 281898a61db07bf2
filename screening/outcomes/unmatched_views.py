"""The unmatched queue: rows of registry imports that matched no participant, resolved one by one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import message_service_error
from screening.outcomes import unmatched_services
from screening.outcomes.forms import ParticipantSearchForm, ResolveForm
from screening.patients.patient_selectors import patient_get, patient_search

RECORD = "outcomes.record_outcome"


@require_permission(RECORD)
def unmatched_queue(request: HttpRequest) -> HttpResponse:
    rows = unmatched_services.unmatched_list(actor=Actor.from_request(request))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "outcomes/unmatched_queue.html", {"page": page})


@require_permission(RECORD)
def unmatched_row(request: HttpRequest, unmatched_id: int) -> HttpResponse:
    """One row, with a participant search to choose whom it belongs to."""
    actor = Actor.from_request(request)
    unmatched = unmatched_services.unmatched_get(actor=actor, unmatched_id=unmatched_id)
    form = ParticipantSearchForm(request.GET or None)
    candidates = []
    if form.is_valid() and form.cleaned_data["q"]:
        candidates = list(patient_search(actor=actor, query=form.cleaned_data["q"])[:20])
    context = {"unmatched": unmatched, "form": form, "candidates": candidates}
    return render(request, "outcomes/unmatched_row.html", context)


@require_POST
@require_permission(RECORD)
def unmatched_resolve(request: HttpRequest, unmatched_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    unmatched = unmatched_services.unmatched_get(actor=actor, unmatched_id=unmatched_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the participant the row belongs to.")
        return redirect("outcomes:unmatched_row", unmatched.pk)
    patient = patient_get(actor=actor, patient_id=form.cleaned_data["patient_id"])
    try:
        diagnosis = unmatched_services.unmatched_resolve(actor=actor, unmatched=unmatched, patient=patient)
    except ValidationError as error:
        message_service_error(request, error)
        return redirect("outcomes:unmatched_row", unmatched.pk)
    if diagnosis.episode_id:
        messages.success(request, "Diagnosis recorded and linked to the episode it followed.")
        return redirect("outcomes:episode", diagnosis.episode_id)
    messages.success(request, "Diagnosis recorded; the participant had no screening before it.")
    return redirect("outcomes:unmatched")
