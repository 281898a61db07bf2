"""Reading the audit trail: listing it for auditors and verifying the chain."""

from django.db.models import QuerySet

from screening.core.audit_chain import GENESIS_HASH, ChainReport, hash_of_event
from screening.core.models import AuditChainHead, AuditEvent


def audit_events_filtered(
    *, action: str = "", object_type: str = "", actor_username: str = ""
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, narrowed by the auditor's filters."""
    events = AuditEvent.objects.order_by("-sequence")
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if actor_username:
        events = events.filter(actor_username=actor_username)
    return events


def audit_chain_verify() -> ChainReport:
    """Walk the whole chain and report OK or the first broken event."""
    expected_sequence, prev_hash, checked = 1, GENESIS_HASH, 0
    last_id = None
    for event in AuditEvent.objects.order_by("sequence", "id").iterator(chunk_size=5000):
        checked += 1
        last_id = event.pk
        if event.sequence != expected_sequence:
            return _broken(event, checked, f"expected sequence {expected_sequence}: missing event")
        if event.prev_hash != prev_hash:
            return _broken(event, checked, "link to the previous event does not match")
        if hash_of_event(event, prev_hash) != event.hash:
            return _broken(event, checked, "contents do not match the event's hash")
        prev_hash = event.hash
        expected_sequence += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_sequence, head_hash = (head.sequence, head.hash) if head else (0, GENESIS_HASH)
    if (head_sequence, head_hash) != (expected_sequence - 1, prev_hash):
        return ChainReport(
            ok=False,
            events_checked=checked,
            broken_sequence=expected_sequence,
            broken_event_id=last_id,
            reason=f"chain head records {head_sequence} events: newest events were removed",
        )
    return ChainReport(ok=True, events_checked=checked)


def _broken(event: AuditEvent, checked: int, reason: str) -> ChainReport:
    return ChainReport(
        ok=False,
        events_checked=checked,
        broken_sequence=event.sequence,
        broken_event_id=event.pk,
        reason=reason,
    )
