"""Signed checkpoints of the audit chain's head, appended to a file outside the database.

A line is `sequence hash time signature`, the signature an HMAC (the chain's key) of the other three.
A checkpoint is written after each commit that carries the chain past a multiple of
`AUDIT_CHECKPOINT_EVERY` events (1: after every audited transaction), and by `manage.py
audit_checkpoint`. Someone who can change the database but neither the key nor this file cannot
remove the newest events, even with the head, unnoticed: a checkpoint names an event that is gone,
or one whose hash is no longer the one it recorded. Make the file append-only for the application's
user (e.g. `chattr +a`) or ship its lines to a log host.
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from screening.core.audit_key import audit_chain_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    hash: str
    written_at: str


@dataclass(frozen=True)
class CheckpointFile:
    """The checkpoints whose signature holds, by sequence, and the lines whose signature does not."""

    by_sequence: dict[int, list[Checkpoint]]
    unsigned_lines: list[int]

    @property
    def count(self) -> int:
        return sum(len(found) for found in self.by_sequence.values())


def checkpoint_signature(key: bytes, sequence: int, hash_: str, written_at: str) -> str:
    message = f"audit-checkpoint|{sequence}|{hash_}|{written_at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint_due(*, before: int, after: int) -> bool:
    """Whether an append that moved the head from `before` to `after` passes a checkpoint."""
    every = max(1, settings.AUDIT_CHECKPOINT_EVERY)
    return after // every > before // every


def checkpoint_append(*, sequence: int, hash_: str) -> None:
    """Append one signed checkpoint; a failure to write is logged, not raised (the events are
    committed already, and the next checkpoint covers them)."""
    written_at = datetime.now(UTC).isoformat(timespec="seconds")
    signature = checkpoint_signature(audit_chain_key(), sequence, hash_, written_at)
    path = Path(settings.AUDIT_CHECKPOINT_PATH)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="ascii") as checkpoints:  # one short write: O_APPEND keeps lines whole
            checkpoints.write(f"{sequence} {hash_} {written_at} {signature}\n")
    except OSError as error:
        logger.error("audit checkpoint #%s not written: %s", sequence, error.__class__.__name__)


def checkpoints_read() -> CheckpointFile:
    """Every checkpoint in the file (none when there is no file yet)."""
    path = Path(settings.AUDIT_CHECKPOINT_PATH)
    by_sequence: dict[int, list[Checkpoint]] = {}
    unsigned: list[int] = []
    if not path.exists():
        return CheckpointFile(by_sequence, unsigned)
    key = audit_chain_key()
    with path.open(encoding="ascii", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            checkpoint = _signed_checkpoint(key, line)
            if checkpoint is None:
                unsigned.append(number)
            else:
                by_sequence.setdefault(checkpoint.sequence, []).append(checkpoint)
    return CheckpointFile(by_sequence, unsigned)


def _signed_checkpoint(key: bytes, line: str) -> Checkpoint | None:
    parts = line.split()
    if len(parts) != 4 or not parts[0].isdigit():
        return None
    sequence, hash_, written_at, signature = int(parts[0]), parts[1], parts[2], parts[3]
    expected = checkpoint_signature(key, sequence, hash_, written_at)
    if not hmac.compare_digest(expected, signature):
        return None
    return Checkpoint(sequence, hash_, written_at)
