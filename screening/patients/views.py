"""Participant pages: search, register, view, edit, consent and opt-out."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import add_service_errors, message_service_error
from screening.patients import consent_services, patient_services
from screening.patients.forms import (
    ConsentForm,
    OptOutForm,
    PatientEditForm,
    PatientForm,
    PatientSearchForm,
)
from screening.patients.patient_selectors import (
    patient_consent_events,
    patient_episodes,
    patient_get,
    patient_search,
)


@require_permission("patients.view_patient")
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    form.is_valid()  # an invalid date is shown on the form; the name search still applies
    cleaned = getattr(form, "cleaned_data", {})
    query, date_of_birth = cleaned.get("q", ""), cleaned.get("date_of_birth")
    patients = patient_search(actor=Actor.from_request(request), query=query, date_of_birth=date_of_birth)
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    return render(request, "patients/list.html", {"form": form, "page": page})


@require_permission("patients.add_patient")
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_services.patient_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Participant registered.")
            return redirect("patients:detail", patient.pk)
    return render(request, "patients/form.html", {"form": form, "title": "Register a participant"})


@require_permission("patients.view_patient")
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_get(actor=Actor.from_request(request), patient_id=patient_id)
    context = {
        "patient": patient,
        "consents": consent_services.consent_states(patient=patient),
        "consent_history": patient_consent_events(patient=patient),
        "episodes": patient_episodes(patient=patient),
        "consent_form": ConsentForm(),
        "opt_out_form": OptOutForm(),
    }
    return render(request, "patients/detail.html", context)


@require_permission("patients.change_patient")
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id)
    initial = {name: getattr(patient, name) for name in patient_services.EDITABLE_FIELDS}
    form = PatientEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            patient_services.patient_update(actor=actor, patient=patient, changes=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Participant details saved.")
            return redirect("patients:detail", patient.pk)
    return render(
        request, "patients/form.html", {"form": form, "title": "Edit participant", "patient": patient}
    )


@require_POST
@require_permission("patients.record_consent")
def consent_record(request: HttpRequest, patient_id: int, action: str) -> HttpResponse:
    """Grant or withdraw one scope of consent (action is 'grant' or 'withdraw')."""
    actor = Actor.from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a consent scope and how it was recorded.")
        return redirect("patients:detail", patient.pk)
    record = consent_services.consent_grant if action == "grant" else consent_services.consent_withdraw
    try:
        event = record(actor=actor, patient=patient, **form.cleaned_data)
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(
            request, f"{event.get_scope_display()} consent {event.get_action_display().lower()}."
        )
    return redirect("patients:detail", patient.pk)


@require_POST
@require_permission("patients.change_patient")
def patient_opt_out(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id)
    form = OptOutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason the participant opts out.")
        return redirect("patients:detail", patient.pk)
    try:
        patient_services.patient_opt_out(actor=actor, patient=patient, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, "The participant has opted out of screening.")
    return redirect("patients:detail", patient.pk)
