"""Creating and changing participants; each change is audited in the same transaction."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.patients.consent_signals import patient_opted_out
from screening.patients.contact_details import (
    phone_normalised,
    postcode_normalised,
    validate_phone,
    validate_postcode,
)
from screening.patients.identifiers import (
    normalise_identifier,
    normalise_issuer,
    validate_identifier,
    validate_issuer,
)
from screening.patients.models import Patient, Sex

PATIENT = "patient"
EDITABLE_FIELDS = (
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address",
    "postcode",
)


def patient_validate(patient: Patient) -> None:
    """Normalise postcode and phone, then check every field; raise ValidationError per field.

    The one check of participant data: the pages, the CSV import and the API all come through here.
    """
    patient.postcode = postcode_normalised(patient.postcode)
    patient.phone = phone_normalised(patient.phone)
    errors: dict[str, list[str]] = {}
    for name, check in (("postcode", validate_postcode), ("phone", validate_phone)):
        try:
            check(getattr(patient, name))
        except ValidationError as error:
            errors[name] = error.messages
    try:
        validate_issuer(patient.issuer)
    except ValidationError as error:
        errors["issuer"] = error.messages
    try:
        validate_identifier(patient.identifier, patient.issuer)
    except ValidationError as error:
        errors["identifier"] = error.messages
    if patient.sex not in Sex.values:
        errors["sex"] = ["Sex must be F, M or O."]
    if patient.date_of_birth and patient.date_of_birth > timezone.localdate():
        errors["date_of_birth"] = ["Date of birth is in the future."]
    if patient.date_of_birth and patient.date_of_birth < date(1900, 1, 1):
        errors["date_of_birth"] = ["Date of birth is before 1900."]
    if not patient.family_name.strip() or not patient.given_name.strip():
        errors["family_name"] = ["Family and given names are required."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def patient_create(
    *,
    actor: Actor,
    identifier: str,
    issuer: str,
    family_name: str,
    given_name: str,
    date_of_birth: date,
    sex: str,
    email: str = "",
    phone: str = "",
    address: str = "",
    postcode: str = "",
) -> Patient:
    """Register a participant; a duplicate identifier for the issuer is a ValidationError."""
    issuer = normalise_issuer(issuer)
    patient = Patient(
        identifier=normalise_identifier(identifier, issuer),
        issuer=issuer,
        family_name=family_name.strip(),
        given_name=given_name.strip(),
        date_of_birth=date_of_birth,
        sex=sex,
        email=email.strip(),
        phone=phone_normalised(phone),
        address=address.strip(),
        postcode=postcode_normalised(postcode),
    )
    patient_validate(patient)
    if Patient.objects.filter(issuer=patient.issuer, identifier=patient.identifier).exists():
        raise ValidationError({"identifier": ["A participant with this identifier already exists."]})
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as error:  # a concurrent registration of the same identifier
        raise ValidationError(
            {"identifier": ["A participant with this identifier already exists."]}
        ) from error
    audit_record(actor=actor, action=AuditAction.CREATE, object_type=PATIENT, object_id=patient.pk)
    return patient


@transaction.atomic
def patient_update(*, actor: Actor, patient: Patient, changes: dict[str, Any]) -> Patient:
    """Change a participant's details; the audit event names the fields, never their values."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    changes = {name: _normalised(name, value) for name, value in changes.items()}
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    changed = [name for name, value in changes.items() if getattr(patient, name) != value]
    for name in changed:
        setattr(patient, name, changes[name])
    if not changed:
        return patient
    patient_validate(patient)
    patient.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=PATIENT,
        object_id=patient.pk,
        detail={"fields": sorted(changed)},
    )
    return patient


def _normalised(name: str, value: Any) -> Any:
    """Text trimmed, postcodes and phone numbers written as patient_create stores them."""
    if not isinstance(value, str):
        return value
    return {"postcode": postcode_normalised, "phone": phone_normalised}.get(name, str.strip)(value)


@transaction.atomic
def patient_opt_out(*, actor: Actor, patient: Patient, reason: str) -> Patient:
    """Record that a participant opts out of screening; their open episodes leave the pathway."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.opted_out_at is not None:
        raise ValidationError("This participant has already opted out of screening.")
    patient.opted_out_at = timezone.now()
    patient.opted_out_reason = reason.strip()[:255]
    patient.save(update_fields=["opted_out_at", "opted_out_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=PATIENT,
        object_id=patient.pk,
        detail={"fields": ["opted_out_at"]},
    )
    patient_opted_out.send(sender=Patient, actor=actor, patient=patient)
    return patient
