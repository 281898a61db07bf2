"""Where results go (DICOM destinations an administrator configures) and the jobs that send them.

An `OutboundJob` is one send of one kind of result of one study to one destination, triggered by
one event; the row is the source of truth (status, attempts, next attempt, lease, error), and its
history is kept as `OutboundJobEvent`s. A Celery message only wakes a worker up.
"""

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from screening.core.models import TimeStampedModel
from screening.core.status_events import StatusEvent
from screening.imaging.models import Study

# DICOM AE titles: up to 16 characters of the default repertoire, no backslash, not all spaces.
AE_TITLE = RegexValidator(r"^[ -\[\]-~]{1,16}$", "An AE title is 1 to 16 printable characters, no backslash.")


class OutboundEvent(models.TextChoices):
    AI_RESULT_STORED = "ai_result_stored", "AI result stored"
    RESULT_SIGNED = "result_signed", "Episode result signed"
    RESULT_AMENDED = "result_amended", "Signed read amended"


class OutboundObject(models.TextChoices):
    AI_RESULT = "ai_result", "AI result SR with its heat maps"
    EPISODE_REPORT = "episode_report", "Signed episode report SR"


class OutboundDestinationQuerySet(models.QuerySet["OutboundDestination"]):
    def active(self) -> "OutboundDestinationQuerySet":
        return self.filter(active=True)


class OutboundDestination(TimeStampedModel):
    """A DICOM peer (a PACS) the results are sent to by C-STORE, and what it receives when."""

    name = models.CharField(max_length=100, unique=True)
    ae_title = models.CharField(max_length=16, validators=[AE_TITLE], help_text="The PACS's AE title")
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(65535)])
    active = models.BooleanField(default=True)
    send_ai_results = models.BooleanField(default=True, help_text="AI result SR (TID 1500) and heat maps")
    send_heatmaps = models.BooleanField(default=True, help_text="Heat maps as Secondary Capture images")
    send_reports = models.BooleanField(default=True, help_text="Signed episode report SR")
    on_ai_result_stored = models.BooleanField(default=True)
    on_result_signed = models.BooleanField(default=True)
    on_result_amended = models.BooleanField(default=True)

    objects = OutboundDestinationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("manage_destinations", "Can configure outbound DICOM destinations")]

    def __str__(self) -> str:
        return f"{self.name} ({self.ae_title}@{self.host}:{self.port})"

    def wants(self, event: str) -> str | None:
        """The object this destination receives on `event`, or None."""
        if event == OutboundEvent.AI_RESULT_STORED:
            return OutboundObject.AI_RESULT if self.on_ai_result_stored and self.send_ai_results else None
        if event == OutboundEvent.RESULT_SIGNED and self.on_result_signed and self.send_reports:
            return OutboundObject.EPISODE_REPORT
        if event == OutboundEvent.RESULT_AMENDED and self.on_result_amended and self.send_reports:
            return OutboundObject.EPISODE_REPORT
        return None


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    RETRY_WAIT = "retry_wait", "Waiting to retry"
    SENT = "sent", "Sent"
    DEAD = "dead", "Dead (attempts exhausted)"
    WITHHELD = "withheld", "Withheld (consent or no signed read)"


ACTIVE_STATUSES = (OutboundStatus.QUEUED, OutboundStatus.SENDING, OutboundStatus.RETRY_WAIT)


class OutboundJobQuerySet(models.QuerySet["OutboundJob"]):
    def visible_to(self, user: Any) -> "OutboundJobQuerySet":
        """Coordinators and admins see every job (ids and states, no patient data)."""
        if user is None or not user.is_authenticated or not user.has_perm("outbound.view_outboundjob"):
            return self.none()
        return self


class OutboundJob(TimeStampedModel):
    """One send of one study's result to one destination; its attempts, backoff and outcome."""

    destination = models.ForeignKey(OutboundDestination, on_delete=models.PROTECT, related_name="jobs")
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="outbound_jobs")
    event = models.CharField(max_length=24, choices=OutboundEvent.choices)
    payload = models.CharField(max_length=24, choices=OutboundObject.choices)
    # What the event named: the AI result, or the opinion signed or amended (ids, no patient data).
    source_id = models.PositiveBigIntegerField()
    status = models.CharField(max_length=16, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    sop_instance_uids = models.JSONField(default=list, blank=True, help_text="What the PACS accepted")

    objects = OutboundJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "event", "payload", "source_id"], name="outbound_job_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"Outbound job {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class OutboundJobEvent(StatusEvent):
    """One change of an outbound job's state (history, not overwrite)."""

    job = models.ForeignKey(OutboundJob, on_delete=models.CASCADE, related_name="events")

    def __str__(self) -> str:
        return f"Outbound job {self.job_id}: {self.from_status or '-'} -> {self.to_status}"
