"""Reading participants, always from the actor's scope, always audited."""

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.patients.models import Patient, PatientQuerySet

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
    """One participant for viewing, audited; 404 when outside the actor's scope."""
    patient = patients_visible(actor=actor).filter(pk=patient_id).first()
    if patient is None:
        raise Http404("No such participant.")
    audit_record(actor=actor, action=AuditAction.VIEW, object_type=PATIENT, object_id=patient.pk)
    return patient
