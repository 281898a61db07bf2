"""Hashing and verification of the audit chain.

Each event's hash is an HMAC-SHA256, under a key held outside the database (`AUDIT_CHAIN_KEY`),
of its own fields and the hash of the event before it, and sequences run 1, 2, 3... without gaps;
the chain head row holds the last sequence and hash. Editing an event breaks its hash, deleting one
breaks the sequence and the link, reordering breaks the links, removing the newest events
disagrees with the head, and without the key nobody can recompute the hashes after an edit.
Removing the newest events together with the head is caught by the signed checkpoints kept
outside the database (`audit_checkpoints`). `chain_hash` and `payload_of_event` are kept stable:
migration 0004 calls them to re-key the chains hashed before it.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


def event_payload(
    *,
    sequence: int,
    occurred_at: datetime,
    actor_user_id: int | None,
    actor_username: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    ip_address: str | None,
    outcome: str,
    detail: dict[str, Any],
) -> str:
    """The canonical text of an event's fields, as hashed."""
    return json.dumps(
        {
            "sequence": sequence,
            "occurred_at": occurred_at.isoformat(),
            "actor_user_id": actor_user_id,
            "actor_username": actor_username,
            "role": role,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "ip_address": ip_address,
            "outcome": outcome,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


def chain_hash(key: bytes, prev_hash: str, payload: str) -> str:
    """The keyed hash of an event's payload linked to the hash before it."""
    return hmac.new(key, f"{prev_hash}|{payload}".encode(), hashlib.sha256).hexdigest()


def payload_of_event(event: Any) -> str:
    """The canonical text of a stored AuditEvent's fields."""
    return event_payload(
        sequence=event.sequence,
        occurred_at=event.occurred_at,
        actor_user_id=event.actor_user_id,
        actor_username=event.actor_username,
        role=event.role,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        ip_address=event.ip_address,
        outcome=event.outcome,
        detail=event.detail,
    )


def hash_of_event(event: Any, prev_hash: str, key: bytes) -> str:
    """Recompute the hash of a stored AuditEvent from its fields."""
    return chain_hash(key, prev_hash, payload_of_event(event))


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    broken_sequence: int | None = None
    broken_event_id: int | None = None
    reason: str = ""
    checkpoints_checked: int = 0

    def __str__(self) -> str:
        if self.ok:
            return (
                f"OK: {self.events_checked} audit events, chain intact; "
                f"{self.checkpoints_checked} checkpoints agree."
            )
        if self.broken_sequence is None:
            return f"BROKEN: {self.reason}"
        return f"BROKEN at event #{self.broken_sequence} (id {self.broken_event_id}): {self.reason}"
