"""Recording one diagnosis by hand (e.g. an interval cancer a GP reports): find the participant,
then the form. The service links it to the episode it followed and audits it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import add_service_errors
from screening.outcomes import outcome_services
from screening.outcomes.forms import DiagnosisForm, ParticipantSearchForm
from screening.outcomes.models import RecordedVia
from screening.outcomes.outcome_selectors import participant_diagnoses
from screening.patients.patient_selectors import patient_get, patient_search

RECORD = "outcomes.record_outcome"


@require_permission(RECORD)
def diagnosis_participant_search(request: HttpRequest) -> HttpResponse:
    """Find the participant a reported diagnosis belongs to."""
    form = ParticipantSearchForm(request.GET or None)
    candidates = []
    if form.is_valid() and form.cleaned_data["q"]:
        actor = Actor.from_request(request)
        candidates = list(patient_search(actor=actor, query=form.cleaned_data["q"])[:20])
    return render(request, "outcomes/diagnosis_search.html", {"form": form, "candidates": candidates})


@require_permission(RECORD)
def diagnosis_record_page(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id)
    form = DiagnosisForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            diagnosis = outcome_services.diagnosis_record(
                actor=actor, patient=patient, via=RecordedVia.FORM, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if diagnosis.episode_id is None:
                messages.success(request, "Diagnosis recorded; the participant had no screening before it.")
                return redirect("outcomes:diagnosis", patient.pk)
            messages.success(
                request,
                f"Diagnosis recorded, {diagnosis.months_since_screening} months after the screen it "
                "followed; the episode's truth below includes it.",
            )
            return redirect("outcomes:episode", diagnosis.episode_id)
    context = {"patient": patient, "form": form, "diagnoses": participant_diagnoses(patient=patient)}
    return render(request, "outcomes/diagnosis_form.html", context, status=400 if form.errors else 200)
