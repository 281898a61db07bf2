"""The history of a background job's states (inference jobs, research exports): one row per
change, never overwritten."""

from django.db import models


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
