"""Inference jobs as rows (the source of truth), their history, and the results they store."""

from typing import Any

from django.db import models

from screening.core.models import TimeStampedModel
from screening.core.status_events import StatusEvent
from screening.imaging.models import Instance, Study


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    DEAD = "dead", "Dead (attempts exhausted)"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class TriageBand(models.TextChoices):
    HIGH = "high", "High suspicion"
    INTERMEDIATE = "intermediate", "Intermediate suspicion"
    LOW = "low", "Low suspicion"


class ModelRole(models.TextChoices):
    """Whose result it is: the campaign's active model (shown, triaged, decided on) or a version
    running in shadow (stored for the promotion comparison only, never shown: docs/promotion.md)."""

    ACTIVE = "active", "Active model"
    SHADOW = "shadow", "Shadow model"


class InferenceJobQuerySet(models.QuerySet["InferenceJob"]):
    def visible_to(self, user: Any) -> "InferenceJobQuerySet":
        """Coordinators and admins see every job (ids and states, no patient data)."""
        if user is None or not user.is_authenticated or not user.has_perm("inference_jobs.view_inferencejob"):
            return self.none()
        return self

    def active(self) -> "InferenceJobQuerySet":
        return self.filter(status__in=ACTIVE_STATUSES)

    def of_active_model(self) -> "InferenceJobQuerySet":
        """The jobs of the campaign's active model (a shadow model's jobs left out)."""
        return self.filter(role=ModelRole.ACTIVE)


class InferenceJob(TimeStampedModel):
    """One study scored by one model version; the broker message only wakes a worker up.

    ``attempts`` counts dispatches: each message carries its attempt number, and reports from an
    older attempt than the row's are ignored.
    """

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="inference_jobs")
    model_name = models.CharField(max_length=100)
    model_version = models.CharField(max_length=50)
    role = models.CharField(max_length=8, choices=ModelRole.choices, default=ModelRole.ACTIVE)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    device = models.CharField(max_length=32, blank=True)
    queued_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    timings_ms = models.JSONField(default=dict, blank=True)

    objects = InferenceJobQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "model_name", "model_version"], name="inference_job_one_per_study_model"
            )
        ]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"Inference job {self.pk}"

    @property
    def model_key(self) -> str:
        return f"{self.model_name}:{self.model_version}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class InferenceJobEvent(StatusEvent):
    """One change of a job's state (history, not overwrite)."""

    job = models.ForeignKey(InferenceJob, on_delete=models.CASCADE, related_name="events")

    def __str__(self) -> str:
        return f"Job {self.job_id}: {self.from_status or '-'} -> {self.to_status}"


class ActiveModelResultManager(models.Manager["InferenceResult"]):
    """The default manager: only the active model's results, so that no page, API, worklist, KPI
    or export that asks ``InferenceResult.objects`` can meet a shadow model's result."""

    def get_queryset(self) -> models.QuerySet["InferenceResult"]:
        return super().get_queryset().filter(role=ModelRole.ACTIVE)


class ActiveModelImageResultManager(models.Manager["InferenceImageResult"]):
    """The default manager of image results (heat maps): only those of the active model's results."""

    def get_queryset(self) -> models.QuerySet["InferenceImageResult"]:
        return super().get_queryset().filter(result__role=ModelRole.ACTIVE)


class InferenceResult(models.Model):
    """What a model said about a study: a calibrated probability and its triage band.

    ``objects`` returns the active model's results only; ``all_roles`` (the promotion comparison's)
    shadow results too.
    """

    job = models.OneToOneField(InferenceJob, on_delete=models.CASCADE, related_name="result")
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="inference_results")
    model_name = models.CharField(max_length=100)
    model_version = models.CharField(max_length=50)
    role = models.CharField(max_length=8, choices=ModelRole.choices, default=ModelRole.ACTIVE)
    programme = models.CharField(max_length=32)
    study_score = models.FloatField(
        help_text="The model's calibrated probability of a finding, at the prevalence it was calibrated at"
    )
    calibration_prevalence = models.FloatField(
        null=True, blank=True, help_text="The prevalence the model's probabilities hold at (its card's)"
    )
    band = models.CharField(max_length=16, choices=TriageBand.choices)
    high_threshold = models.FloatField()
    low_threshold = models.FloatField()
    side_scores = models.JSONField(default=dict, blank=True, help_text='{"R": p, "L": p} for MG')
    device = models.CharField(max_length=32, blank=True)
    timings_ms = models.JSONField(default=dict, blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    all_roles = models.Manager()  # the promotion comparison's: shadow results too
    objects = ActiveModelResultManager()  # the default (Meta.default_manager_name)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_manager_name = "objects"
        base_manager_name = "all_roles"

    def __str__(self) -> str:
        return f"Inference result {self.pk}"

    @property
    def model_key(self) -> str:
        return f"{self.model_name}:{self.model_version}"

    @property
    def sides(self) -> list[tuple[str, float]]:
        """Per-side scores as a reader hangs the images: right, then left (JSON keeps no order)."""
        order = {"R": 0, "L": 1}
        return sorted(self.side_scores.items(), key=lambda item: (order.get(item[0], 2), item[0]))


class InferenceImageResult(models.Model):
    """One image's score and heat map.

    The heat map is small (long side 64 px, several times the model's own grid; the browser scales
    the overlay to the image): its 8-bit levels, row by row, are kept in the row itself, so a
    study's maps are written in one INSERT. Results stored before that have a PNG file instead.
    """

    result = models.ForeignKey(InferenceResult, on_delete=models.CASCADE, related_name="images")
    instance = models.ForeignKey(Instance, on_delete=models.PROTECT, related_name="inference_results")
    slice_index = models.PositiveIntegerField(default=0)
    score = models.FloatField()
    side = models.CharField(max_length=1, blank=True)
    view = models.CharField(max_length=16, blank=True)
    heatmap_levels = models.BinaryField(blank=True, default=b"", help_text="uint8 heat, rows x cols")
    heatmap_rows = models.PositiveSmallIntegerField(default=0)
    heatmap_cols = models.PositiveSmallIntegerField(default=0)
    heatmap = models.FileField(max_length=255, blank=True, help_text="PNG of results stored before levels")

    all_roles = models.Manager()
    objects = ActiveModelImageResultManager()  # the default (Meta.default_manager_name)

    class Meta:
        ordering = ["result", "slice_index", "id"]
        default_manager_name = "objects"
        base_manager_name = "all_roles"
        constraints = [
            models.UniqueConstraint(
                fields=["result", "instance", "slice_index"], name="inference_image_result_once"
            )
        ]

    def __str__(self) -> str:
        return f"Image result {self.pk}"

    @property
    def view_label(self) -> str:
        return f"{self.side}-{self.view}" if self.side and self.view else ""

    @property
    def has_heatmap(self) -> bool:
        """True when a heat map is stored (asked without loading its levels)."""
        return self.heatmap_rows > 0 or bool(self.heatmap)
