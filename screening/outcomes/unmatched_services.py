"""The unmatched queue: imported rows whose identifier matched no participant, until a coordinator
chooses the participant (recorded as a diagnosis, audited). Nothing is dropped silently."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.audited_reads import audited_get
from screening.core.models import AuditAction
from screening.outcomes.models import Diagnosis, RecordedVia, UnmatchedDiagnosis, UnmatchedStatus
from screening.outcomes.outcome_services import diagnosis_record, outcome_recorder_check
from screening.outcomes.registry_import_services import UNMATCHED_DIAGNOSIS
from screening.patients.models import Patient


def unmatched_list(*, actor: Actor, status: str = UnmatchedStatus.OPEN) -> QuerySet[UnmatchedDiagnosis]:
    """The queue (open rows by default), oldest first; audited as a list."""
    outcome_recorder_check(actor)
    audit_record(
        actor=actor, action=AuditAction.LIST, object_type=UNMATCHED_DIAGNOSIS, detail={"status": status}
    )
    return UnmatchedDiagnosis.objects.filter(status=status).order_by("created_at", "id")


def unmatched_get(*, actor: Actor, unmatched_id: int) -> UnmatchedDiagnosis:
    """One queued row, its view audited; 404 otherwise."""
    outcome_recorder_check(actor)
    return audited_get(
        actor=actor,
        queryset=UnmatchedDiagnosis.objects.all(),
        object_id=unmatched_id,
        object_type=UNMATCHED_DIAGNOSIS,
        missing="No such unmatched row.",
    )


@transaction.atomic
def unmatched_resolve(*, actor: Actor, unmatched: UnmatchedDiagnosis, patient: Patient) -> Diagnosis:
    """Record the queued row as a diagnosis of the chosen participant; the row leaves the queue."""
    outcome_recorder_check(actor)
    locked = UnmatchedDiagnosis.objects.select_for_update().get(pk=unmatched.pk)
    if locked.status != UnmatchedStatus.OPEN:
        raise ValidationError("This row was already resolved.")
    diagnosis = diagnosis_record(
        actor=actor,
        patient=patient,
        diagnosed_on=locked.diagnosed_on,
        kind=locked.kind,
        reporting_source=locked.reporting_source,
        side=locked.side,
        size_mm=locked.size_mm,
        via=RecordedVia.REGISTRY,
    )
    locked.status, locked.resolved_diagnosis = UnmatchedStatus.RESOLVED, diagnosis
    locked.resolved_by, locked.resolved_at = actor.user, timezone.now()
    locked.save(update_fields=["status", "resolved_diagnosis", "resolved_by", "resolved_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=UNMATCHED_DIAGNOSIS,
        object_id=locked.pk,
        detail={"resolved_to_patient": patient.pk, "diagnosis": diagnosis.pk},
    )
    return diagnosis
