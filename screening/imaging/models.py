"""Studies, series and instances as received, and the files refused at intake."""

from typing import Any

from django.conf import settings
from django.db import models

from screening.campaigns.models import Episode
from screening.core.models import TimeStampedModel
from screening.patients.models import Patient


class IntakeSource(models.TextChoices):
    UPLOAD = "upload", "Browser upload"
    CSTORE = "cstore", "DICOM C-STORE"
    STOW = "stow", "DICOMweb STOW-RS"
    API = "api", "REST API"


class StudyMatch(models.TextChoices):
    MATCHED = "matched", "Matched to an episode"
    AWAITING_RECONCILIATION = "awaiting", "Awaiting reconciliation"
    REJECTED = "rejected", "Rejected by a coordinator"


class StudyQuerySet(models.QuerySet["Study"]):
    def visible_to(self, user: Any) -> "StudyQuerySet":
        """Coordinators and admins see every study; radiologists those of their campaigns."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.has_perm("imaging.reconcile_study"):
            return self
        if user.has_perm("imaging.view_study"):
            return self.filter(episode__campaign__assigned_staff=user)
        return self.none()

    def awaiting_reconciliation(self) -> "StudyQuerySet":
        return self.filter(match_status=StudyMatch.AWAITING_RECONCILIATION)


class Study(TimeStampedModel):
    """One imaging study, keyed on its Study Instance UID, matched to a participant's episode."""

    study_instance_uid = models.CharField(max_length=64, unique=True)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="studies"
    )
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="studies"
    )
    match_status = models.CharField(
        max_length=16, choices=StudyMatch.choices, default=StudyMatch.AWAITING_RECONCILIATION
    )
    match_note = models.CharField(max_length=255, blank=True)
    # As the modality sent them: what reconciliation compares with the register.
    dicom_patient_id = models.CharField(max_length=64, blank=True)
    dicom_issuer = models.CharField(max_length=64, blank=True)
    dicom_patient_name = models.CharField(max_length=200, blank=True)
    dicom_birth_date = models.DateField(null=True, blank=True)
    dicom_sex = models.CharField(max_length=1, blank=True)
    study_date = models.DateField(null=True, blank=True)
    study_time = models.CharField(max_length=16, blank=True)
    accession_number = models.CharField(max_length=16, blank=True)
    modality = models.CharField(max_length=16, blank=True)
    description = models.CharField(max_length=64, blank=True)
    first_source = models.CharField(max_length=16, choices=IntakeSource.choices)

    objects = StudyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["match_status", "-created_at"])]
        permissions = [
            ("upload_study", "Can send images through the browser or API"),
            ("reconcile_study", "Can attach unmatched studies to episodes or reject them"),
        ]

    def __str__(self) -> str:
        return f"Study {self.pk}"


class StudyMatchEventKind(models.TextChoices):
    ATTACHED = "attached", "Attached"
    DETACHED = "detached", "Detached"


class StudyMatchEvent(models.Model):
    """One attach or detach of a study to a participant's episode: who, when, why, and what the
    images' patient details said that the participant's record did not; append-only."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="match_events")
    kind = models.CharField(max_length=16, choices=StudyMatchEventKind.choices)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="The user, or the system that matched")
    reason = models.CharField(max_length=500, blank=True)
    # [{"field", "label", "in_images", "in_record"}] for each patient detail that differed.
    mismatches = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} study {self.study_id}"


class Series(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="series")
    series_instance_uid = models.CharField(max_length=64, unique=True)
    series_number = models.IntegerField(null=True, blank=True)
    modality = models.CharField(max_length=16, blank=True)
    body_part = models.CharField(max_length=16, blank=True)
    description = models.CharField(max_length=64, blank=True)
    manufacturer = models.CharField(max_length=64, blank=True)
    manufacturer_model = models.CharField(max_length=64, blank=True)
    software_versions = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series_number", "id"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return f"Series {self.pk}"


class Instance(models.Model):
    """One stored DICOM instance; the file's path is built from validated UIDs only."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="instances")
    sop_instance_uid = models.CharField(max_length=64, unique=True)
    sop_class_uid = models.CharField(max_length=64)
    transfer_syntax_uid = models.CharField(max_length=64)
    instance_number = models.IntegerField(null=True, blank=True)
    laterality = models.CharField(max_length=1, blank=True, help_text="R or L (MG)")
    view_position = models.CharField(max_length=16, blank=True, help_text="CC, MLO... (MG)")
    rows = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    frames = models.PositiveIntegerField(default=1)
    bits_stored = models.PositiveSmallIntegerField(null=True, blank=True)
    photometric_interpretation = models.CharField(max_length=16, blank=True)
    pixel_spacing = models.JSONField(null=True, blank=True, help_text="[row, column] mm")
    slice_thickness = models.FloatField(null=True, blank=True)
    slice_location = models.FloatField(null=True, blank=True)
    image_position = models.JSONField(null=True, blank=True)
    image_orientation = models.JSONField(null=True, blank=True)
    burned_in_annotation = models.BooleanField(null=True, blank=True)
    kvp = models.FloatField(null=True, blank=True, help_text="Peak kilovoltage (0018,0060)")
    exposure_mas = models.FloatField(null=True, blank=True, help_text="Exposure in mAs (0018,1152)")
    implant_present = models.BooleanField(null=True, blank=True, help_text="BreastImplantPresent (0028,1300)")
    file = models.FileField(max_length=255)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=IntakeSource.choices)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instance_number", "id"]

    def __str__(self) -> str:
        return f"Instance {self.pk}"

    @property
    def view_label(self) -> str:
        """'R-CC', 'L-MLO'... for mammograms, '' otherwise."""
        return f"{self.laterality}-{self.view_position}" if self.laterality and self.view_position else ""


class IntakeRejection(models.Model):
    """A file refused at intake, kept in quarantine with the reason; nothing of it is stored."""

    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=16, choices=IntakeSource.choices)
    filename = models.CharField(max_length=255, blank=True, help_text="As sent; never used as a path")
    reason = models.CharField(max_length=32)
    message = models.CharField(max_length=500)
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    quarantine_file = models.FileField(max_length=255, blank=True)
    sender = models.CharField(max_length=64, blank=True, help_text="User name or calling AE title")

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"Rejected {self.reason} ({self.pk})"
