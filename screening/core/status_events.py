"""The history of a background job's states (inference jobs, research exports): one row per
change, never overwritten."""

from typing import Any

from django.db import models

from screening.core.actors import Actor


class StatusEvent(models.Model):
    """One change of a job's state; the concrete model adds its `job` foreign key."""

    occurred_at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    attempt = models.PositiveSmallIntegerField(default=0)
    actor = models.CharField(max_length=150, blank=True, help_text="User name or system process")
    note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["occurred_at", "id"]


def status_event_fields(
    job: Any, from_status: str, to_status: str, *, actor: Actor, note: str = ""
) -> dict[str, Any]:
    """The fields of one state change's event row, for any job with `attempts` (one INSERT or many)."""
    return {
        "job": job,
        "from_status": from_status,
        "to_status": to_status,
        "attempt": job.attempts,
        "actor": actor.username[:150],
        "note": note[:2000],
    }
