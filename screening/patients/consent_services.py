"""Consent: recording grants and withdrawals, and answering whether data may be used now."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.event_clock import event_now
from screening.core.models import AuditAction
from screening.patients.consent_signals import consent_granted, consent_withdrawn
from screening.patients.models import (
    ConsentAction,
    ConsentEvent,
    ConsentMethod,
    ConsentScope,
    Patient,
)

CONSENT = "consent"


@dataclass(frozen=True)
class ConsentState:
    scope: str
    granted: bool
    since: datetime | None
    last_event: ConsentEvent | None

    @property
    def scope_label(self) -> str:
        return ConsentScope(self.scope).label

    @property
    def label(self) -> str:
        if self.last_event is None:
            return "Not recorded"
        return "Granted" if self.granted else "Withdrawn"


def consent_grant(*, actor: Actor, patient: Patient, scope: str, method: str, note: str = "") -> ConsentEvent:
    """Record that the participant grants consent for `scope` from now on (later stages told, in
    this transaction)."""
    with transaction.atomic():
        granted = ConsentAction.GRANTED
        event = _consent_record(
            actor=actor, patient=patient, scope=scope, action=granted, method=method, note=note
        )
        consent_granted.send(sender=ConsentEvent, actor=actor, patient_id=patient.pk, scope=scope)
    return event


def consent_withdraw(
    *, actor: Actor, patient: Patient, scope: str, method: str, note: str = ""
) -> ConsentEvent:
    """Withdraw consent for `scope` from now on; later stages stop using the data (in this transaction)."""
    with transaction.atomic():
        withdrawn = ConsentAction.WITHDRAWN
        event = _consent_record(
            actor=actor, patient=patient, scope=scope, action=withdrawn, method=method, note=note
        )
        consent_withdrawn.send(sender=ConsentEvent, actor=actor, patient_id=patient.pk, scope=scope)
    return event


@transaction.atomic
def _consent_record(
    *, actor: Actor, patient: Patient, scope: str, action: str, method: str, note: str
) -> ConsentEvent:
    if scope not in ConsentScope.values:
        raise ValidationError({"scope": [f"Unknown consent scope {scope!r}."]})
    if method not in ConsentMethod.values:
        raise ValidationError({"method": [f"Unknown way of recording consent {method!r}."]})
    # Locking the patient serialises two coordinators recording consent at once.
    Patient.objects.select_for_update().filter(pk=patient.pk).get()
    current = consent_state(patient=patient, scope=scope)
    if action == ConsentAction.GRANTED and current.granted:
        raise ValidationError(f"{ConsentScope(scope).label} consent is already granted.")
    if action == ConsentAction.WITHDRAWN and not current.granted:
        raise ValidationError(f"{ConsentScope(scope).label} consent is not granted: nothing to withdraw.")
    event = ConsentEvent.objects.create(
        patient=patient,
        scope=scope,
        action=action,
        occurred_at=event_now(),
        recorded_by=actor.user,
        method=method,
        note=note.strip()[:500],
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=CONSENT,
        object_id=event.pk,
        detail={"patient": patient.pk, "scope": scope, "consent": action},
    )
    return event


def consent_state(*, patient: Patient, scope: str) -> ConsentState:
    """The current state of one scope, derived from the latest event."""
    last = patient.consent_events.filter(scope=scope).order_by("-occurred_at", "-id").first()
    if last is None:
        return ConsentState(scope=scope, granted=False, since=None, last_event=None)
    return ConsentState(
        scope=scope,
        granted=last.action == ConsentAction.GRANTED,
        since=last.occurred_at,
        last_event=last,
    )


def consent_states(*, patient: Patient) -> list[ConsentState]:
    """The current state of every scope, in the order of ConsentScope."""
    return [consent_state(patient=patient, scope=scope) for scope in ConsentScope.values]


def consent_allows(*, patient: Patient, scope: str) -> bool:
    """May this participant's data be used for `scope` now? Every later stage asks this."""
    return consents_allow(patient_ids=[patient.pk], scope=scope).get(patient.pk, False)


def consents_allow(*, patient_ids: Iterable[int], scope: str) -> dict[int, bool]:
    """``consent_allows`` for many participants in one query: {patient id: may their data be used
    for `scope` now: the latest event of the scope grants it, and for screening the participant
    has not opted out} (participants that do not exist are absent)."""
    latest = ConsentEvent.objects.filter(patient=OuterRef("pk"), scope=scope).order_by("-occurred_at", "-id")
    rows = (
        Patient.objects.filter(pk__in=set(patient_ids))
        .order_by()
        .annotate(last_action=Subquery(latest.values("action")[:1]))
        .values_list("pk", "opted_out_at", "last_action")
    )
    return {
        patient_id: action == ConsentAction.GRANTED
        and not (scope == ConsentScope.SCREENING and opted_out_at is not None)
        for patient_id, opted_out_at, action in rows
    }


def consents_withdrawn_at(*, patient_ids: Iterable[int], scope: str) -> dict[int, datetime]:
    """Participants whose consent for `scope` stands withdrawn now (their latest event of the scope
    is a withdrawal), with when they withdrew it, in one query; a re-grant takes them out."""
    latest = ConsentEvent.objects.filter(patient=OuterRef("pk"), scope=scope).order_by("-occurred_at", "-id")
    rows = (
        Patient.objects.filter(pk__in=set(patient_ids))
        .order_by()
        .annotate(
            last_action=Subquery(latest.values("action")[:1]),
            last_at=Subquery(latest.values("occurred_at")[:1]),
        )
        .filter(last_action=ConsentAction.WITHDRAWN)
        .values_list("pk", "last_at")
    )
    return dict(rows)


def ai_consent_withdrawn_at(*, patient_id: int | None) -> datetime | None:
    """When the participant withdrew consent to AI, if it stands withdrawn; None otherwise."""
    if patient_id is None:
        return None
    return consents_withdrawn_at(patient_ids=[patient_id], scope=ConsentScope.AI_READING).get(patient_id)


def ai_withheld_reason(withdrawn_at: datetime) -> str:
    """What a page or the API says where the AI would have been."""
    day = timezone.localtime(withdrawn_at).date().isoformat()
    return f"AI not shown: the participant withdrew consent to AI on {day}."
