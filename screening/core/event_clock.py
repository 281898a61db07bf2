"""When things happen (event time), as distinct from when their rows are written (record time).

Record times are always the wall clock: `created_at`, `updated_at`, the audit trail's
`occurred_at`, a job's lease, a signature's `signed_at`. Event times say when something happened in
the screening pathway: an episode's `invited_at` and `imaged_at`, the steps of its history, a
consent event. They are the wall clock too, except inside `events_dated(at)`, where the synthetic
cohort (`screening/demo/`) replays an earlier screening round on the days it happened, through
the same services (docs/decisions/0011-simulated-clock-for-earlier-rounds.md). The audit trail
then still says truthfully that the rows were written today.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_simulated_at: ContextVar[datetime | None] = ContextVar("simulated_event_time", default=None)


def event_now() -> datetime:
    """The time of an event happening now: the simulated time inside `events_dated`, else now."""
    simulated = _simulated_at.get()
    return simulated if simulated is not None else timezone.now()


@contextmanager
def events_dated(at: datetime) -> Iterator[datetime]:
    """Events recorded in this block happened at `at` (timezone-aware, not in the future)."""
    if timezone.is_naive(at):
        raise ValueError("A simulated event time must be timezone-aware.")
    if at > timezone.now():
        raise ValueError(f"A simulated event time cannot be in the future ({at.isoformat()}).")
    token = _simulated_at.set(at)
    try:
        yield at
    finally:
        _simulated_at.reset(token)
