"""AI monitoring after go-live (docs/monitoring.md): weekly summaries of scores, DICOM headers and
outcomes per model version and site, rebuilt by grouped SQL (`monitoring_summaries`), and the alerts
raised from them (`alert_services`), kept as rows that a person acknowledges and closes.
"""

from django.conf import settings
from django.db import models

from screening.core.models import TimeStampedModel

MODEL_KEY_LENGTH = 151  # "name:version", as EpisodeKpiFacts.ai_model
SITE_LENGTH = 120  # Campaign.site


class ScoreWeek(models.Model):
    """One model version's results at one site in one week (Monday): the score histogram in the
    card's bins (inference/training/score_baseline.py), the triage bands, and the jobs that failed."""

    model_key = models.CharField(max_length=MODEL_KEY_LENGTH)
    site = models.CharField(max_length=SITE_LENGTH)
    week = models.DateField()
    results = models.IntegerField(default=0)
    bins = models.JSONField(default=list)
    high = models.IntegerField(default=0)
    intermediate = models.IntegerField(default=0)
    low = models.IntegerField(default=0)
    failed = models.IntegerField(default=0, help_text="Jobs failed or dead (unreadable studies)")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model_key", "site", "week"], name="score_week_key")]

    def __str__(self) -> str:
        return f"Scores {self.model_key} {self.site} {self.week}"


class HeaderAttribute(models.TextChoices):
    MANUFACTURER = "manufacturer", "Manufacturer"
    MODEL = "model", "Scanner model"
    SOFTWARE = "software", "Software versions"
    KVP = "kvp", "kVp"
    EXPOSURE = "exposure", "Exposure (mAs, to 10)"
    PIXEL_SPACING = "pixel_spacing", "Pixel spacing (mm)"
    IMAGE_SIZE = "image_size", "Image size (rows x columns)"
    IMPLANT = "implant", "Implant present"


class HeaderWeek(models.Model):
    """How many images of one site in one week had one value of one DICOM header attribute."""

    site = models.CharField(max_length=SITE_LENGTH)
    week = models.DateField()
    attribute = models.CharField(max_length=16, choices=HeaderAttribute.choices)
    value = models.CharField(max_length=129)
    images = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "week", "attribute", "value"], name="header_week_key")
        ]

    def __str__(self) -> str:
        return f"{self.attribute}={self.value} {self.site} {self.week}"


class OutcomeWeek(models.Model):
    """One model version's episodes at one site imaged in one week whose truth is settled: how many,
    how many the AI flagged (score at or above the card's high threshold), cancers, flagged cancers."""

    model_key = models.CharField(max_length=MODEL_KEY_LENGTH)
    site = models.CharField(max_length=SITE_LENGTH)
    week = models.DateField()
    episodes = models.IntegerField(default=0)
    flagged = models.IntegerField(default=0)
    cancers = models.IntegerField(default=0)
    flagged_cancers = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model_key", "site", "week"], name="outcome_week_key")]

    def __str__(self) -> str:
        return f"Outcomes {self.model_key} {self.site} {self.week}"


class AlertKind(models.TextChoices):
    SCORE_DRIFT = "score_drift", "Score drift (PSI major)"
    FAILED_SHARE = "failed_share", "Failed or unreadable studies"
    INPUT_NEW_VALUE = "input_new_value", "New DICOM header value"
    INPUT_MIX = "input_mix", "Changed DICOM header mix"
    FLAG_RATE_UP = "flag_rate_up", "AI recall-flag rate up (CUSUM)"
    FLAG_RATE_DOWN = "flag_rate_down", "AI recall-flag rate down (CUSUM)"
    PPV_DOWN = "ppv_down", "AI PPV down (CUSUM)"
    SENSITIVITY_DOWN = "sensitivity_down", "AI sensitivity down (CUSUM)"


class AlertStatus(models.TextChoices):
    RAISED = "raised", "Raised"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (AlertStatus.RAISED, AlertStatus.ACKNOWLEDGED)


class MonitoringAlertQuerySet(models.QuerySet["MonitoringAlert"]):
    def open(self) -> "MonitoringAlertQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class MonitoringAlert(TimeStampedModel):
    """A finding of the monitoring: it covers the weeks from `week` to `last_week` (an open alert
    grows while the finding persists), is acknowledged with a note by a named person, then closed."""

    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.RAISED)
    model_key = models.CharField(max_length=MODEL_KEY_LENGTH, blank=True)
    site = models.CharField(max_length=SITE_LENGTH)
    subject = models.CharField(max_length=160, blank=True, help_text="attribute=value, or blank")
    week = models.DateField(help_text="The first week the finding held")
    last_week = models.DateField(help_text="The latest week it held")
    value = models.FloatField(help_text="The statistic (PSI, share, CUSUM)")
    limit = models.FloatField(help_text="The limit it crossed")
    sample_size = models.IntegerField(help_text="Observations behind the statistic")
    detail = models.CharField(max_length=500, blank=True)
    raised_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.TextField(blank=True)

    objects = MonitoringAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        permissions = [
            ("view_monitoring", "Can see the AI monitoring"),
            ("acknowledge_alert", "Can acknowledge a monitoring alert"),
            ("close_alert", "Can close a monitoring alert"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "model_key", "site", "subject"],
                condition=models.Q(status__in=["raised", "acknowledged"]),
                name="monitoring_alert_one_open",
            )
        ]
        indexes = [models.Index(fields=["status", "raised_at"])]

    def __str__(self) -> str:
        return f"Monitoring alert {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
