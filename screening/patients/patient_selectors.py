"""Reading participants, always from the actor's scope, always audited."""

from datetime import date
from typing import Any

from django.db.models import QuerySet

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.audited_reads import audited_get
from screening.core.models import AuditAction
from screening.patients.consent_services import CONSENT
from screening.patients.models import ConsentEvent, Patient, PatientQuerySet

PATIENT = "patient"


def patients_visible(*, actor: Actor) -> PatientQuerySet:
    """The participants the actor may see at all (no audit: nothing is read yet)."""
    return Patient.objects.visible_to(actor.user)


def patient_search(*, actor: Actor, query: str = "", date_of_birth: date | None = None) -> QuerySet[Patient]:
    """Search the actor's participants; the audit event records that a search ran, not its terms."""
    patients = patients_visible(actor=actor).search(query=query, date_of_birth=date_of_birth)
    audit_record(
        actor=actor,
        action=AuditAction.SEARCH if (query or date_of_birth) else AuditAction.LIST,
        object_type=PATIENT,
        detail={"by_name_or_identifier": bool(query), "by_date_of_birth": bool(date_of_birth)},
    )
    return patients


def patient_get(*, actor: Actor, patient_id: int) -> Patient:
    """One participant for viewing, audited; 404 (audited as denied) when outside the actor's scope."""
    return audited_get(
        actor=actor,
        queryset=patients_visible(actor=actor),
        object_id=patient_id,
        object_type=PATIENT,
        missing="No such participant.",
    )


def patient_list(
    *, actor: Actor, query: str = "", date_of_birth: date | None = None, issuer: str = ""
) -> QuerySet[Patient]:
    """patient_search (audited there), narrowed to one issuer's identifiers when one is given."""
    patients = patient_search(actor=actor, query=query, date_of_birth=date_of_birth)
    return patients.filter(issuer=issuer) if issuer else patients


def consent_history(*, actor: Actor, patient: Patient) -> QuerySet[ConsentEvent]:
    """A participant's consent events, oldest first, audited as a list; fetch `patient` in scope."""
    audit_record(actor=actor, action=AuditAction.LIST, object_type=CONSENT, detail={"patient": patient.pk})
    return patient_consent_events(patient=patient)


def patient_consent_events(*, patient: Patient) -> QuerySet[ConsentEvent]:
    """A participant's consent events, oldest first (histories read in time order), for the page whose
    patient_get audited the view."""
    return patient.consent_events.select_related("recorded_by").order_by("occurred_at", "id")


def patient_episodes(*, patient: Patient) -> QuerySet[Any]:
    """A participant's episodes (campaigns' rows, through the relation), oldest first, with programmes."""
    return patient.episodes.select_related("campaign__programme").order_by("created_at", "id")
