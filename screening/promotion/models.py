"""The promotion gate's criteria per programme, and the promotions and roll-backs of campaigns'
models as rows (who, when, from, to, the criteria's values, an override's reason)."""

from django.conf import settings
from django.db import models

from screening.campaigns.models import Campaign, Programme

# The gate's defaults where a programme has no criteria row (docs/promotion.md says why these).
DEFAULT_MINIMUM_STUDIES = 200
DEFAULT_MINIMUM_CANCERS = 10
DEFAULT_AUC_MARGIN = 0.02


class PromotionCriteria(models.Model):
    """What a shadow model must show on a programme's studies before it may replace the active one."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="promotion_criteria")
    minimum_studies = models.PositiveIntegerField(
        default=DEFAULT_MINIMUM_STUDIES, help_text="Studies scored by both models"
    )
    minimum_cancers = models.PositiveIntegerField(
        default=DEFAULT_MINIMUM_CANCERS, help_text="Of those, studies whose episode is a known cancer"
    )
    auc_margin = models.FloatField(
        default=DEFAULT_AUC_MARGIN,
        help_text="The shadow's AUC may be lower than the active model's by at most this (the lower "
        "95% limit of the paired difference must be above minus the margin)",
    )

    class Meta:
        verbose_name_plural = "promotion criteria"

    def __str__(self) -> str:
        return f"Promotion criteria of {self.programme}"


class PromotionKind(models.TextChoices):
    PROMOTION = "promotion", "Promotion"
    ROLLBACK = "rollback", "Roll-back"


class PromotionEvent(models.Model):
    """One change of a campaign's active model by the gate's page; append-only."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="promotion_events")
    kind = models.CharField(max_length=16, choices=PromotionKind.choices)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_model = models.CharField(max_length=100, help_text="name:version active before")
    to_model = models.CharField(max_length=100, help_text="name:version active after")
    # Each criterion's required and observed values and whether it passed, as the page showed them.
    criteria = models.JSONField(default=dict)
    criteria_met = models.BooleanField()
    override_reason = models.TextField(blank=True, help_text="Why it went ahead with a criterion unmet")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        permissions = [
            ("view_model_comparison", "Can view the comparison of the active and shadow models"),
            ("promote_model", "Can run a model in shadow, promote it and roll back"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} of campaign {self.campaign_id}: {self.from_model} -> {self.to_model}"
        )
