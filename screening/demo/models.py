"""The known truth behind the synthetic cohort: what each generated study really holds."""

from django.db import models

from screening.campaigns.models import Episode
from screening.patients.models import Patient


class SyntheticOutcome(models.TextChoices):
    CANCER_CONFIRMED = "cancer_confirmed", "Cancer confirmed"
    BENIGN = "benign", "Benign"
    NONE = "none", "No cancer"
    INTERVAL_CANCER = "interval_cancer", "Interval cancer"


class SyntheticStudyTruth(models.Model):
    """Ground truth of one generated study, for training, validation and statistics."""

    study_instance_uid = models.CharField(max_length=64, unique=True)
    programme = models.CharField(max_length=16)
    seed = models.BigIntegerField()
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lesion_present = models.BooleanField()
    lesions = models.JSONField(default=list, help_text="Positions, size and contrast bands")
    outcome = models.CharField(max_length=16, choices=SyntheticOutcome.choices)
    density = models.CharField(max_length=1, blank=True, help_text="BI-RADS density a-d (MG)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "seed", "id"]

    def __str__(self) -> str:
        return f"Truth of study {self.pk}"
