"""Saved what-if scenarios (who ran which policy on which history, and what it projected) and their
application to a campaign's thresholds: the evidence behind a threshold change."""

from django.conf import settings
from django.db import models

from screening.campaigns.models import Campaign


class ScenarioBase(models.TextChoices):
    IN_FORCE = "in_force", "The policy in force (as each episode recorded it)"
    AI_SECOND_READER = "ai_second_reader", "AI as second reader at threshold t"


class PolicyScenario(models.Model):
    """One replay of a policy on a campaign's history, kept as it was shown; never edited."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    base = models.CharField(max_length=20, choices=ScenarioBase.choices)
    ai_threshold = models.FloatField(null=True, blank=True)
    triage_below = models.FloatField(null=True, blank=True)
    safety_net_at = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # {"episodes", "kept", "real": figures, "projected": figures} as shown (disclosed).
    results = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("apply_policyscenario", "Apply a saved scenario's thresholds to its campaign")]

    def __str__(self) -> str:
        return f"Scenario {self.pk} of campaign {self.campaign_id}"


class ScenarioApplication(models.Model):
    """A saved scenario applied to its campaign: who, when, why, and the settings it changed."""

    scenario = models.ForeignKey(PolicyScenario, on_delete=models.PROTECT, related_name="applications")
    applied_at = models.DateTimeField()
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    changes = models.JSONField()  # {"setting": [old, new]}

    class Meta:
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"Scenario {self.scenario_id} applied at {self.applied_at:%Y-%m-%d %H:%M}"
