"""Reading the audit trail: listing it for auditors and verifying the chain."""

from dataclasses import dataclass

from django.db.models import QuerySet

from screening.core.audit_chain import GENESIS_HASH, ChainReport, hash_of_event
from screening.core.audit_checkpoints import CheckpointFile, checkpoints_read
from screening.core.audit_key import audit_chain_key
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


def audit_chain_head() -> tuple[int, str]:
    """The sequence and hash of the newest event, as the head row records them."""
    head = AuditChainHead.objects.filter(pk=1).first()
    return (head.sequence, head.hash) if head else (0, GENESIS_HASH)


@dataclass
class _Walk:
    checked: int = 0
    last_sequence: int = 0
    last_hash: str = GENESIS_HASH
    last_id: int | None = None


def audit_chain_verify() -> ChainReport:
    """Walk the whole chain with the key, compare it with the head and with the signed checkpoints
    kept outside the database, and report OK or the first break."""
    checkpoints = checkpoints_read()
    if checkpoints.unsigned_lines:
        line = checkpoints.unsigned_lines[0]
        return ChainReport(
            ok=False,
            events_checked=0,
            reason=f"checkpoint line {line} is not signed with the audit key: forged or damaged",
        )
    key, walk = audit_chain_key(), _Walk()
    for event in AuditEvent.objects.order_by("sequence", "id").iterator(chunk_size=5000):
        walk.checked += 1
        reason = _event_break(event, walk, key) or _checkpoint_break(event, checkpoints)
        if reason:
            return _broken(event.sequence, event.pk, walk.checked, reason)
        walk.last_sequence, walk.last_hash, walk.last_id = event.sequence, event.hash, event.pk
    head_sequence, head_hash = audit_chain_head()
    if (head_sequence, head_hash) != (walk.last_sequence, walk.last_hash):
        reason = f"chain head records {head_sequence} events: newest events were removed"
        return _broken(walk.last_sequence + 1, walk.last_id, walk.checked, reason)
    beyond = [sequence for sequence in checkpoints.by_sequence if sequence > walk.last_sequence]
    if beyond:
        newest = checkpoints.by_sequence[max(beyond)][0]
        reason = (
            f"the checkpoint of {newest.written_at} records event #{newest.sequence}, the chain ends at "
            f"#{walk.last_sequence}: newest events were removed"
        )
        return _broken(walk.last_sequence + 1, walk.last_id, walk.checked, reason)
    return ChainReport(ok=True, events_checked=walk.checked, checkpoints_checked=checkpoints.count)


def _event_break(event: AuditEvent, walk: _Walk, key: bytes) -> str:
    if event.sequence != walk.last_sequence + 1:
        return f"expected sequence {walk.last_sequence + 1}: missing event"
    if event.prev_hash != walk.last_hash:
        return "link to the previous event does not match"
    if hash_of_event(event, walk.last_hash, key) != event.hash:
        return "contents do not match the event's hash"
    return ""


def _checkpoint_break(event: AuditEvent, checkpoints: CheckpointFile) -> str:
    for checkpoint in checkpoints.by_sequence.get(event.sequence, []):
        if checkpoint.hash != event.hash:
            return f"the event differs from its checkpoint of {checkpoint.written_at}: rewritten"
    return ""


def _broken(sequence: int, event_id: int | None, checked: int, reason: str) -> ChainReport:
    return ChainReport(
        ok=False,
        events_checked=checked,
        broken_sequence=sequence,
        broken_event_id=event_id,
        reason=reason,
    )
