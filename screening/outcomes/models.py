"""What happened after a screening result: assessment, pathology, cancer diagnoses, registry imports.

Outcome records are append-only, like consent: an `Assessment`, a `Pathology` or a `Diagnosis` is
written once (the models refuse updates and deletes, and so do database triggers); a correction is
a new record that `corrects` the one before, with a reason; `entered_in_error` withdraws it. The
current record of a chain is the one nothing corrects. The truth of an episode is computed from
these in one place (`episode_truth.py`).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from screening.campaigns.models import Episode
from screening.core.models import TimeStampedModel
from screening.patients.models import Patient


class AppendOnlyError(Exception):
    """An outcome record was about to be changed or deleted; record a correction instead."""


class RecordedVia(models.TextChoices):
    FORM = "form", "Coordinator's form"
    API = "api", "REST API"
    REGISTRY = "registry", "Registry or pathology import"


class Side(models.TextChoices):
    RIGHT = "R", "Right"
    LEFT = "L", "Left"
    NOT_APPLICABLE = "", "Not applicable"


class PathologyKind(models.TextChoices):
    INVASIVE = "invasive", "Invasive cancer"
    DCIS = "dcis", "Ductal carcinoma in situ (DCIS)"
    BENIGN = "benign", "Benign"
    OTHER = "other", "Other (not a cancer of the programme)"


# The pathology that makes a cancer of the programme (docs/statistics.md, "Outcomes and truth").
CANCER_KINDS = frozenset({PathologyKind.INVASIVE, PathologyKind.DCIS})


class AppendOnlyRecord(models.Model):
    """A record written once; a correction is the next record of its chain, with a reason."""

    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_via = models.CharField(max_length=16, choices=RecordedVia.choices)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    correction_reason = models.CharField(max_length=500, blank=True)
    entered_in_error = models.BooleanField(
        default=False, help_text="This correction withdraws the record it corrects"
    )

    record_type: str  # how the audit trail and the pages name the kind of record
    corrects_id: int | None

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} {self.pk} is append-only: record a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} {self.pk} is append-only: record a correction.")


def _correction_constraints(name: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
            name=f"{name}_correction_has_reason",
        ),
        models.CheckConstraint(
            condition=Q(entered_in_error=False) | Q(corrects__isnull=False),
            name=f"{name}_withdrawal_corrects",
        ),
    ]


class AssessmentOutcome(models.TextChoices):
    NORMAL_BENIGN = "normal_benign", "Normal or benign"
    BIOPSY_TAKEN = "biopsy_taken", "Biopsy taken"
    MALIGNANT = "malignant", "Malignant"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


class Assessment(AppendOnlyRecord):
    """A recalled episode's assessment: attended when and where, and what it concluded."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="outcome_assessments")
    attended_on = models.DateField(null=True, blank=True)
    site = models.CharField(max_length=120, blank=True)
    outcome = models.CharField(max_length=16, choices=AssessmentOutcome.choices)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            *_correction_constraints("assessment"),
            models.CheckConstraint(
                condition=Q(outcome=AssessmentOutcome.DID_NOT_ATTEND, attended_on__isnull=True)
                | (~Q(outcome=AssessmentOutcome.DID_NOT_ATTEND) & Q(attended_on__isnull=False)),
                name="assessment_attended_unless_did_not_attend",
            ),
        ]
        permissions = [
            ("view_outcome", "Can view assessment outcomes, pathology and diagnoses"),
            ("record_outcome", "Can record assessment outcomes, pathology and diagnoses"),
        ]

    record_type = "assessment"

    def __str__(self) -> str:
        return f"Assessment {self.pk} ({self.outcome}, episode {self.episode_id})"

    @property
    def summary(self) -> str:
        attended = f", attended {self.attended_on}" if self.attended_on else ""
        return f"Assessment: {self.get_outcome_display()}{attended}"


class NodalStatus(models.TextChoices):
    NEGATIVE = "negative", "Node negative"
    POSITIVE = "positive", "Node positive"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class LungFollowUp(models.TextChoices):
    """What the assessment of a Lung-RADS 3/4 result led to."""

    LDCT_3_MONTHS = "ldct_3_months", "Low-dose CT in 3 months"
    LDCT_6_MONTHS = "ldct_6_months", "Low-dose CT in 6 months"
    PET_CT = "pet_ct", "PET/CT"
    TISSUE_SAMPLING = "tissue_sampling", "Tissue sampling"
    ANNUAL_SCREENING = "annual_screening", "Back to annual screening"


class NoduleOutcome(models.TextChoices):
    MALIGNANT = "malignant", "Malignant"
    BENIGN = "benign", "Benign"
    RESOLVED = "resolved", "Resolved"
    STABLE = "stable", "Stable"
    UNDER_SURVEILLANCE = "under_surveillance", "Under surveillance"


class Pathology(AppendOnlyRecord):
    """The pathology of one lesion of a recalled episode: per side for breast, per nodule for lung."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="outcome_pathology")
    side = models.CharField(max_length=1, choices=Side.choices, blank=True)
    lesion = models.PositiveSmallIntegerField(default=1, help_text="Lesion number on this side (or nodule)")
    kind = models.CharField(max_length=16, choices=PathologyKind.choices)
    diagnosed_on = models.DateField(null=True, blank=True)
    invasive_size_mm = models.FloatField(null=True, blank=True)
    grade = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1, 2 or 3")
    nodal_status = models.CharField(max_length=16, choices=NodalStatus.choices, blank=True)
    lung_rads_follow_up = models.CharField(max_length=20, choices=LungFollowUp.choices, blank=True)
    nodule_outcome = models.CharField(max_length=20, choices=NoduleOutcome.choices, blank=True)
    stage = models.CharField(max_length=16, blank=True, help_text="e.g. TNM stage IA2")

    class Meta:
        ordering = ["side", "lesion", "recorded_at", "id"]
        constraints = [
            *_correction_constraints("pathology"),
            models.CheckConstraint(
                condition=Q(invasive_size_mm__isnull=True) | Q(kind=PathologyKind.INVASIVE),
                name="pathology_invasive_size_only_invasive",
            ),
        ]

    record_type = "pathology"

    def __str__(self) -> str:
        return f"Pathology {self.pk} ({self.kind}, episode {self.episode_id})"

    @property
    def summary(self) -> str:
        where = f"{self.get_side_display()} lesion {self.lesion}" if self.side else f"nodule {self.lesion}"
        size = f", {self.invasive_size_mm:g} mm" if self.invasive_size_mm is not None else ""
        return f"Pathology, {where}: {self.get_kind_display()}{size}"


class Diagnosis(AppendOnlyRecord):
    """A diagnosis reported for a participant (registry, pathology system, coordinator), linked to
    the screening episode it followed: the latest one imaged on or before the diagnosis date."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outcome_diagnoses")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="outcome_diagnoses"
    )
    diagnosed_on = models.DateField()
    side = models.CharField(max_length=1, choices=Side.choices, blank=True)
    kind = models.CharField(max_length=16, choices=PathologyKind.choices)
    size_mm = models.FloatField(null=True, blank=True)
    reporting_source = models.CharField(max_length=120, help_text="Who reported it, e.g. a cancer registry")
    months_since_screening = models.FloatField(
        null=True, blank=True, help_text="From the episode's imaging to the diagnosis"
    )
    registry_import = models.ForeignKey(
        "RegistryImport", null=True, blank=True, on_delete=models.PROTECT, related_name="diagnoses"
    )
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="The imported row's key: the same row imported again is a duplicate",
    )

    class Meta:
        ordering = ["diagnosed_on", "id"]
        verbose_name_plural = "diagnoses"
        constraints = [
            *_correction_constraints("diagnosis"),
            models.UniqueConstraint(
                fields=["fingerprint"], condition=~Q(fingerprint=""), name="diagnosis_one_per_imported_row"
            ),
        ]
        indexes = [models.Index(fields=["episode", "diagnosed_on"])]

    record_type = "diagnosis"

    def __str__(self) -> str:
        return f"Diagnosis {self.pk} ({self.kind}, patient {self.patient_id})"

    @property
    def summary(self) -> str:
        return f"Diagnosis {self.diagnosed_on}: {self.get_kind_display()} ({self.reporting_source})"


class RegistryImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    IMPORTED = "imported", "Imported"
    DISCARDED = "discarded", "Discarded"


class RegistryImport(TimeStampedModel):
    """An uploaded registry or pathology CSV: checked on upload, imported on confirmation."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=RegistryImportStatus.choices, default=RegistryImportStatus.PREVIEWED
    )
    row_count = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    unmatched_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    content = models.BinaryField(help_text="The uploaded file, kept until it is imported")
    errors = models.JSONField(default=list, help_text="[{row, field, message}] for invalid rows")
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("import_registry", "Can import registry and pathology CSV files")]

    def __str__(self) -> str:
        return f"Registry import {self.pk} ({self.status})"


class UnmatchedStatus(models.TextChoices):
    OPEN = "open", "Awaiting a participant"
    RESOLVED = "resolved", "Resolved"


class UnmatchedDiagnosis(TimeStampedModel):
    """An imported row whose identifier matches no participant, kept for the coordinator to resolve."""

    registry_import = models.ForeignKey(RegistryImport, on_delete=models.PROTECT, related_name="unmatched")
    row_number = models.PositiveIntegerField()
    identifier = models.CharField(max_length=64)
    issuer = models.CharField(max_length=64)
    diagnosed_on = models.DateField()
    side = models.CharField(max_length=1, choices=Side.choices, blank=True)
    kind = models.CharField(max_length=16, choices=PathologyKind.choices)
    size_mm = models.FloatField(null=True, blank=True)
    reporting_source = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=UnmatchedStatus.choices, default=UnmatchedStatus.OPEN)
    resolved_diagnosis = models.OneToOneField(
        Diagnosis, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "unmatched diagnoses"
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Unmatched diagnosis {self.pk} ({self.status})"
