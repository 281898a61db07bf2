"""Recording a participant attribute a programme names as data (breast density, or any other):
append-only, audited; the latest value per name is the participant's current one."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.patients.models import ParticipantAttribute, Patient

PARTICIPANT_ATTRIBUTE = "participant_attribute"
# Breast density (BI-RADS a-d) is the attribute the breast programme records where a reader or the
# images' report gives it; a programme names others the same way.
BREAST_DENSITY = "breast_density"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@transaction.atomic
def participant_attribute_record(
    *, actor: Actor, patient: Patient, name: str, value: str, source: str = ""
) -> ParticipantAttribute:
    """Record `name` = `value` for the participant from now on, audited."""
    value = value.strip()
    if not NAME_PATTERN.match(name):
        raise ValidationError({"name": ["A lower-case name of letters, digits and _ (40 at most)."]})
    if not value or len(value) > 64:
        raise ValidationError({"value": ["A value of 1 to 64 characters."]})
    attribute = ParticipantAttribute.objects.create(
        patient=patient,
        name=name,
        value=value,
        recorded_at=timezone.now(),
        recorded_by=actor.user,
        source=source,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=PARTICIPANT_ATTRIBUTE,
        object_id=attribute.pk,
        detail={"patient": patient.pk, "name": name, "source": source},
    )
    return attribute
