"""Hashing and verification of the audit chain.

Each event's hash covers its own fields and the hash of the event before it, and sequences run
1, 2, 3... without gaps; the chain head row holds the last sequence and hash. Editing an event
breaks its hash, deleting one breaks the sequence and the link, reordering breaks the links, and
removing the newest events disagrees with the head.
"""

import hashlib
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


def chain_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def hash_of_event(event: Any, prev_hash: str) -> str:
    """Recompute the hash of a stored AuditEvent from its fields."""
    payload = event_payload(
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
    return chain_hash(prev_hash, payload)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    broken_sequence: int | None = None
    broken_event_id: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.events_checked} audit events, chain intact."
        return f"BROKEN at event #{self.broken_sequence} (id {self.broken_event_id}): {self.reason}"
