"""Research export jobs, the participants each package held, and the re-identification table."""

from django.conf import settings
from django.db import models

from screening.campaigns.models import Campaign, Programme
from screening.core.models import TimeStampedModel
from screening.core.status_events import StatusEvent
from screening.patients.models import Patient


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


ACTIVE_STATUSES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ExclusionReason(models.TextChoices):
    NO_RESEARCH_CONSENT = "no_research_consent", "No research consent recorded"
    WITHDRAWN = "withdrawn", "Research consent withdrawn"
    OPTED_OUT = "opted_out", "Opted out of screening"


class ExportJob(TimeStampedModel):
    """One requested research package: what to export, how to de-identify it, and how it went."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(null=True, blank=True, help_text="First imaging day included")
    period_end = models.DateField(null=True, blank=True, help_text="Last imaging day included")
    truth = models.CharField(max_length=24, blank=True, help_text="Only episodes with this truth")
    ai_band = models.CharField(max_length=16, blank=True, help_text="Only studies with this AI band")
    reader_result = models.CharField(max_length=24, blank=True, help_text="Only this final decision")
    modality = models.CharField(max_length=16, blank=True, help_text="Only studies of this modality")
    retain_dates_shifted = models.BooleanField(default=False)
    retain_patient_characteristics = models.BooleanField(default=False)
    retain_device_identity = models.BooleanField(default=False)
    ocr_check = models.BooleanField(default=True)
    purpose = models.TextField()
    approval_reference = models.CharField(max_length=120)
    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    participants_included = models.PositiveIntegerField(default=0)
    studies_included = models.PositiveIntegerField(default=0)
    files_included = models.PositiveIntegerField(default=0)
    excluded = models.JSONField(default=dict, blank=True, help_text="{exclusion reason: participants}")
    files_withheld = models.JSONField(default=dict, blank=True, help_text="{reason: files}")
    profile_edition = models.TextField(blank=True, help_text="The PS3.15 table's edition and source")
    package_name = models.CharField(max_length=120, blank=True, help_text="Under RESEARCH_EXPORT_ROOT")
    package_bytes = models.BigIntegerField(null=True, blank=True)
    package_sha256 = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        permissions = [
            ("request_export", "Can request research exports"),
            ("view_reidentification", "Can view the re-identification table of research exports"),
        ]

    def __str__(self) -> str:
        return f"Research export {self.pk} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == ExportStatus.SUCCEEDED else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def downloadable(self) -> bool:
        return self.status == ExportStatus.SUCCEEDED and bool(self.package_name)


class ExportJobEvent(StatusEvent):
    """One change of an export's state (history, not overwrite)."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="events")

    def __str__(self) -> str:
        return f"Export {self.job_id}: {self.from_status} -> {self.to_status}"


class ExportMember(models.Model):
    """A participant a package held: a later withdrawal of research consent is listed against it."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="members")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="research_exports")
    studies = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "patient"], name="export_member_once")]

    def __str__(self) -> str:
        return f"Export {self.job_id} member (patient {self.patient_id})"


class ReidentificationEntry(models.Model):
    """Pseudonym -> participant and original -> new study UID: kept here, never in a package."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="reidentification")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    participant_pseudonym = models.CharField(max_length=64)
    original_study_uid = models.CharField(max_length=64)
    pseudonymous_study_uid = models.CharField(max_length=64)

    class Meta:
        ordering = ["participant_pseudonym", "pseudonymous_study_uid"]
        indexes = [models.Index(fields=["job", "participant_pseudonym"])]

    def __str__(self) -> str:
        return f"Re-identification of export {self.job_id}"
