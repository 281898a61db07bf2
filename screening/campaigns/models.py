"""Programmes, campaigns (rounds of a programme at a site) and episodes (a participant in one)."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models

from screening.core.models import TimeStampedModel
from screening.patients.models import Patient


class Programme(models.Model):
    """A screening programme: modality, eligibility, interval, views and result categories."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    modality = models.CharField(max_length=8, help_text="DICOM modality, e.g. MG or CT")
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField()
    eligible_sexes = models.JSONField(default=list)
    interval_months = models.PositiveSmallIntegerField()
    views = models.JSONField(default=list, help_text="Views a complete study has")
    result_categories = models.JSONField(default=list)
    results_per_side = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ReadingPolicy(models.TextChoices):
    SINGLE = "single", "Single reading"
    DOUBLE_BLIND = "double_blind", "Double blind reading with arbitration"
    AI_SECOND_READER = "ai_second_reader", "One reader, the AI as second reader, arbitration"


@dataclass(frozen=True)
class ReadingSettings:
    """What an episode's reads follow: the policy, the AI thresholds and whether readers see the AI."""

    reading_policy: str
    ai_high_suspicion_threshold: float
    ai_low_suspicion_threshold: float
    ai_shown_to_readers: bool

    @property
    def reading_policy_label(self) -> str:
        return str(ReadingPolicy(self.reading_policy).label)


DEFAULT_HIGH_THRESHOLD = 0.5
DEFAULT_LOW_THRESHOLD = 0.1

# The campaign settings an episode records when it is imaged (same names on both models).
RECORDED_SETTINGS = tuple(ReadingSettings.__dataclass_fields__)


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def visible_to(self, user: Any) -> "CampaignQuerySet":
        """Coordinators, auditors and admins see every campaign; radiologists their own."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.has_perm("campaigns.change_campaign") or user.has_perm("core.view_aggregates"):
            return self
        if user.has_perm("campaigns.view_campaign"):
            return self.filter(assigned_staff=user)
        return self.none()

    def open(self) -> "CampaignQuerySet":
        return self.filter(status=CampaignStatus.OPEN)


class Campaign(TimeStampedModel):
    """A round of a programme at a site, with its reading policy and AI settings."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(max_length=120)
    site = models.CharField(max_length=120)
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    reading_policy = models.CharField(
        max_length=20, choices=ReadingPolicy.choices, default=ReadingPolicy.DOUBLE_BLIND
    )
    ai_enabled = models.BooleanField(default=True)
    ai_model_name = models.CharField(max_length=100, blank=True)
    # A second version scored after the active one on the same studies, never shown (docs/promotion.md).
    ai_shadow_model_name = models.CharField(
        max_length=100, blank=True, help_text="name:version of a model run in shadow, or blank"
    )
    ai_high_suspicion_threshold = models.FloatField(default=DEFAULT_HIGH_THRESHOLD)
    ai_low_suspicion_threshold = models.FloatField(default=DEFAULT_LOW_THRESHOLD)
    # AI probabilities hold at the prevalence their model was calibrated at; readers see them
    # restated at this one (prior shift), or told that the score is not a probability when unset.
    ai_expected_prevalence = models.FloatField(
        null=True,
        blank=True,
        help_text="Expected share of studies with a finding (e.g. 0.02); AI scores are shown at it",
    )
    # Some units read unaided first; each signed read records whether the AI was shown.
    ai_shown_to_readers = models.BooleanField(
        default=True, help_text="Readers see the AI score, band and heat map while they read"
    )
    assigned_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_campaigns"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def reading_settings(self) -> ReadingSettings:
        """The settings an episode imaged now would record."""
        return ReadingSettings(**{name: getattr(self, name) for name in RECORDED_SETTINGS})


class CampaignSettingsChange(models.Model):
    """One change of a campaign's settings: who, when, and each setting's old and new value; append-only."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="settings_changes")
    changed_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # {"setting": [old, new]}; staff as sorted usernames.
    changes = models.JSONField()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"Settings of campaign {self.campaign_id} changed at {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def described(self) -> list[str]:
        """Each change as a line: "Reading policy: Single reading -> Double blind ...", in the order
        of SETTING_LABELS (PostgreSQL's jsonb keeps no key order)."""
        order = {name: n for n, name in enumerate(SETTING_LABELS)}
        return [
            f"{SETTING_LABELS.get(name, name)}: {_setting_shown(old)} → {_setting_shown(new)}"
            for name, (old, new) in sorted(self.changes.items(), key=lambda item: order.get(item[0], 99))
        ]


SETTING_LABELS = {
    "reading_policy": "Reading policy",
    "ai_high_suspicion_threshold": "AI high-suspicion threshold",
    "ai_low_suspicion_threshold": "AI low-suspicion threshold",
    "ai_shown_to_readers": "AI shown while reading",
    "ai_model_name": "AI model",
    "ai_shadow_model_name": "AI model in shadow",
    "ai_expected_prevalence": "AI expected prevalence",
    "staff": "Assigned staff",
}


def _setting_shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value) or "nobody"
    if value in ReadingPolicy.values:
        return str(ReadingPolicy(value).label)
    return str(value)


class EpisodeStatus(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    INVITED = "invited", "Invited"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    OPTED_OUT = "opted_out", "Opted out"
    IMAGED = "imaged", "Imaged"
    READ = "read", "Read"
    RESULT_ISSUED = "result_issued", "Result issued"
    CLOSED = "closed", "Closed"


class EpisodeResult(models.TextChoices):
    ROUTINE = "routine", "Routine recall (normal)"
    RECALL = "recall", "Recall for assessment"
    TECHNICAL_RECALL = "technical_recall", "Technical recall"


class EpisodeQuerySet(models.QuerySet["Episode"]):
    def visible_to(self, user: Any) -> "EpisodeQuerySet":
        return self.filter(campaign__in=Campaign.objects.visible_to(user))


class Episode(TimeStampedModel):
    """One participant in one campaign, from eligibility to a closed result."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="episodes")
    status = models.CharField(max_length=16, choices=EpisodeStatus.choices)
    result = models.CharField(max_length=16, choices=EpisodeResult.choices, blank=True)
    # An amendment sent the issued result to arbitration: it is not final until the arbitrator signs.
    result_under_review = models.BooleanField(default=False)
    status_changed_at = models.DateTimeField()
    invited_at = models.DateTimeField(null=True, blank=True)
    imaged_at = models.DateTimeField(null=True, blank=True)
    # The campaign's reading settings when the episode was imaged (its reading started): its reads
    # follow these, so a later change of the campaign applies only to episodes not yet imaged.
    reading_policy = models.CharField(max_length=20, choices=ReadingPolicy.choices, blank=True)
    ai_high_suspicion_threshold = models.FloatField(null=True, blank=True)
    ai_low_suspicion_threshold = models.FloatField(null=True, blank=True)
    ai_shown_to_readers = models.BooleanField(null=True, blank=True)
    # The DICOM Accession Number the modality worklist offers and the images bring back
    # (`accession_numbers.py`): given when the episode is scheduled, never changed.
    accession_number = models.CharField(max_length=16, null=True, blank=True, unique=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-status_changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "campaign"], name="episode_one_per_campaign"),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        reading_policy="",
                        ai_high_suspicion_threshold__isnull=True,
                        ai_low_suspicion_threshold__isnull=True,
                        ai_shown_to_readers__isnull=True,
                    )
                    | (
                        ~models.Q(reading_policy="")
                        & models.Q(
                            ai_high_suspicion_threshold__isnull=False,
                            ai_low_suspicion_threshold__isnull=False,
                            ai_shown_to_readers__isnull=False,
                        )
                    )
                ),
                name="episode_reading_settings_all_or_none",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"]),
            # The modality worklist's date range: scheduled (invited or attended) episodes by day.
            models.Index(
                fields=["invited_at"],
                condition=models.Q(status__in=["invited", "attended"]),
                name="episode_worklist_by_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk} ({self.status})"

    @property
    def result_display(self) -> str:
        """The result as every page shows it: marked while an arbitration reviews it."""
        label = self.get_result_display()
        return f"{label} (under review)" if label and self.result_under_review else label

    @property
    def reading_settings_recorded(self) -> bool:
        return bool(self.reading_policy)

    @property
    def reading_settings(self) -> ReadingSettings:
        """The settings its reads follow: those recorded when it was imaged; the campaign's before."""
        if not self.reading_settings_recorded:
            return self.campaign.reading_settings
        return ReadingSettings(**{name: getattr(self, name) for name in RECORDED_SETTINGS})


class EpisodeStatusEvent(models.Model):
    """One step of an episode's history; append-only."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="status_events")
    from_status = models.CharField(max_length=16, choices=EpisodeStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=EpisodeStatus.choices)
    result = models.CharField(max_length=16, choices=EpisodeResult.choices, blank=True)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        # The results issued per day (the statistics' throughput of the reads).
        indexes = [
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(to_status="result_issued"),
                name="episode_event_results_by_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"
