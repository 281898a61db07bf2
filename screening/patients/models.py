"""Participants and their consent history."""

from typing import Any

from django.conf import settings
from django.db import models

from screening.core.models import TimeStampedModel
from screening.patients.identifiers import NHS_ISSUER


class Sex(models.TextChoices):
    """Administrative sex, with DICOM's codes (0010,0040)."""

    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "O", "Other"


class PatientQuerySet(models.QuerySet["Patient"]):
    def visible_to(self, user: Any) -> "PatientQuerySet":
        """Coordinators and admins see everyone; radiologists their campaigns' participants."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.has_perm("patients.change_patient"):
            return self
        if user.has_perm("patients.view_patient"):
            return self.filter(episodes__campaign__assigned_staff=user).distinct()
        return self.none()

    def search(self, *, query: str = "", date_of_birth: Any = None) -> "PatientQuerySet":
        """Match an identifier (exact or prefix), a name part, and/or a date of birth."""
        patients = self
        digits = query.replace(" ", "").replace("-", "")
        if digits.isdigit():  # a number as people write it: "943 476 5919", "943-476-5919"
            return self.filter(identifier__startswith=digits).search(date_of_birth=date_of_birth)
        for term in query.split():
            patients = patients.filter(
                models.Q(identifier__istartswith=term)
                | models.Q(family_name__istartswith=term)
                | models.Q(given_name__istartswith=term)
                | models.Q(family_name__icontains=f" {term}")  # a later word: "Der" in "Van Der Berg"
            )
        if date_of_birth:
            patients = patients.filter(date_of_birth=date_of_birth)
        return patients


class Patient(TimeStampedModel):
    """A participant of a screening programme."""

    identifier = models.CharField(max_length=64, help_text="Programme identifier, e.g. NHS number")
    issuer = models.CharField(max_length=64, default=NHS_ISSUER)
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=255, blank=True)
    postcode = models.CharField(max_length=16, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_out_reason = models.CharField(max_length=255, blank=True)
    deceased_on = models.DateField(null=True, blank=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "identifier"], name="patient_unique_identifier")
        ]
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["date_of_birth"]),
            # The modality worklist's Patient ID key, which may come without its issuer.
            models.Index(fields=["identifier"], name="patient_identifier"),
            # On PostgreSQL also patient_family_name_upper_prefix, the worklist's name prefix
            # (upper-cased, text_pattern_ops: migration 0004, as Django's Index cannot say it).
        ]
        permissions = [("import_patients", "Can import participants from CSV")]

    def __str__(self) -> str:
        # Deliberately no name: str() of a patient ends up in logs and admin messages.
        return f"Patient {self.pk}"

    @property
    def is_opted_out(self) -> bool:
        return self.opted_out_at is not None


class ConsentScope(models.TextChoices):
    SCREENING = "screening", "Screening"
    AI_READING = "ai_reading", "AI-assisted reading"
    RESEARCH = "research", "Research use of anonymised data"


class ConsentAction(models.TextChoices):
    GRANTED = "granted", "Granted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "Written form"
    VERBAL = "verbal", "Verbal, witnessed"
    ELECTRONIC = "electronic", "Electronic"
    IMPORT = "import", "Imported record"


class ConsentEvent(models.Model):
    """One grant or withdrawal; append-only, the current state is the latest event per scope."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consent_events")
    scope = models.CharField(max_length=16, choices=ConsentScope.choices)
    action = models.CharField(max_length=16, choices=ConsentAction.choices)
    occurred_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=16, choices=ConsentMethod.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["patient", "scope", "-occurred_at", "-id"])]
        permissions = [("record_consent", "Can record consent grants and withdrawals")]

    def __str__(self) -> str:
        return f"Consent {self.scope} {self.action} (patient {self.patient_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Consent events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Consent events are append-only.")


class PatientImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    IMPORTED = "imported", "Imported"
    DISCARDED = "discarded", "Discarded"


class PatientImport(TimeStampedModel):
    """An uploaded CSV of participants: validated on upload, imported on confirmation."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=PatientImportStatus.choices, default=PatientImportStatus.PREVIEWED
    )
    row_count = models.PositiveIntegerField(default=0)
    valid_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    content = models.BinaryField(help_text="The uploaded file, kept until it is imported")
    errors = models.JSONField(default=list, help_text="[{row, field, message}] for invalid rows")
    imported_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Patient import {self.pk} ({self.status})"


class ParticipantAttribute(models.Model):
    """A participant attribute a programme records as data (breast density, or any other it names),
    append-only like consent: the latest value per name is the current one. The subgroup equity
    figures break down by any name recorded, with no code change."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="attributes")
    name = models.SlugField(max_length=40, help_text='e.g. "breast_density"')
    value = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=100, blank=True, help_text="Where the value came from")

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "name", "-recorded_at", "-id"]),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} of patient {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Participant attributes are append-only: record a new value.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Participant attributes are append-only: record a new value.")
