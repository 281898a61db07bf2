"""Writing the audit trail: every service that reads or changes patient data calls these."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_chain import GENESIS_HASH, chain_hash, event_payload
from screening.core.audit_checkpoints import checkpoint_append, checkpoint_due
from screening.core.audit_key import audit_chain_key
from screening.core.audit_selectors import audit_chain_head
from screening.core.bulk_insert import NEW_ROWS_BATCH_SIZE, bulk_insert, insert_after_step
from screening.core.compiled_sql import compiled_rows
from screening.core.models import AuditChainHead, AuditEvent, AuditOutcome

# From this many events on (imports, bulk invitations), events are streamed with COPY.
STREAMED_APPEND = 1000


@dataclass(frozen=True)
class AuditEntry:
    """What happened to which object; the actor and time are added when it is written."""

    action: str
    object_type: str
    object_id: str | int = ""
    outcome: str = AuditOutcome.SUCCESS
    detail: dict[str, Any] = field(default_factory=dict)


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int = "",
    outcome: str = AuditOutcome.SUCCESS,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain; raises if it cannot, so the caller's action fails too."""
    entry = AuditEntry(action, object_type, object_id, outcome, detail or {})
    return audit_record_many(actor=actor, entries=[entry])[0]


# No savepoint inside the caller's transaction (two round trips while the head is locked): an append
# that fails leaves that transaction to roll back whole, so the action fails with its audit.
@transaction.atomic(savepoint=False)
def audit_record_many(*, actor: Actor, entries: Iterable[AuditEntry]) -> Sequence[AuditEvent]:
    """Append events in one locked step (bulk actions such as imports and invitations); a signed
    checkpoint of the new head is written outside the database once the transaction commits.

    The head is locked last, once the events' fields are ready, and held until the commit."""
    entries = list(entries)
    if not entries:
        return []
    key, ip_address = audit_chain_key(), _stored_ip_address(actor.ip_address)
    head = _locked_head()
    occurred_at = timezone.now()
    events = []
    sequence, prev_hash = head.sequence, head.hash
    for entry in entries:
        sequence += 1
        fields: dict[str, Any] = {
            "sequence": sequence,
            "occurred_at": occurred_at,
            "actor_user_id": actor.user_id,
            "actor_username": actor.username,
            "role": actor.role or "",
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": str(entry.object_id),
            "ip_address": ip_address,
            "outcome": entry.outcome,
            "detail": entry.detail,
        }
        digest = chain_hash(key, prev_hash, event_payload(**fields))
        events.append(AuditEvent(**fields, prev_hash=prev_hash, hash=digest))
        prev_hash = digest
    if checkpoint_due(before=head.sequence, after=sequence):
        transaction.on_commit(partial(checkpoint_append, sequence=sequence, hash_=prev_hash))
    _events_insert(events, head, sequence=sequence, hash_=prev_hash)
    return events


def audit_head_checkpoint() -> int:
    """Append a signed checkpoint of the chain's head now (beat, cron, `manage.py audit_checkpoint`);
    returns its sequence."""
    sequence, hash_ = audit_chain_head()
    checkpoint_append(sequence=sequence, hash_=hash_)
    return sequence


def _events_insert(events: list[AuditEvent], head: AuditChainHead, *, sequence: int, hash_: str) -> None:
    """Insert the events and move the head to the newest: on PostgreSQL one statement for a few
    events (the head stays locked until the commit, so each round trip here delays every other
    append), COPY for many; elsewhere the ORM."""
    if connection.vendor == "postgresql" and len(events) <= NEW_ROWS_BATCH_SIZE:
        table = connection.ops.quote_name(AuditChainHead._meta.db_table)
        step = f"UPDATE {table} SET sequence = %s, hash = %s WHERE id = %s"  # noqa: S608 (the model's table)
        insert_after_step(AuditEvent, events, step=step, params=[sequence, hash_, head.pk])
    else:
        if len(events) >= STREAMED_APPEND:
            bulk_insert(AuditEvent, events)  # ids are not read back for bulk appends
        else:
            AuditEvent.objects.bulk_create(events)
        head.sequence, head.hash = sequence, hash_
        head.save(update_fields=["sequence", "hash"])
        return
    head.sequence, head.hash = sequence, hash_


def _stored_ip_address(address: str | None) -> str | None:
    """The address as the database will hold it (IPv6 compressed), so the hash covers what is kept."""
    return AuditEvent._meta.get_field("ip_address").get_prep_value(address)


def _locked_head() -> AuditChainHead:
    """The chain head, locked for this transaction so appends are serialised."""
    heads = compiled_rows("audit chain head", _head_locked, {})
    head = heads[0] if heads else None
    if head is None:
        # A flushed test database (or a fresh one) starts a new chain.
        AuditChainHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _head_locked(values: Mapping[str, Any]) -> QuerySet[AuditChainHead]:
    return AuditChainHead.objects.select_for_update().filter(pk=1).order_by()
