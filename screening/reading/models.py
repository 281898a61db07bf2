"""Reads of a study: the slots a reading policy asks for, claims, signed opinions and the decision.

A `ReadSlot` is one read a policy needs (first reader, second reader, arbitrator) of one study.
It carries the worklist's ordering key (AI band rank, score, waiting since) so the worklist is one
index range scan, and the current claim. A signed opinion is a `ReadOpinion` version: locked once
written (the model refuses updates and deletes; PostgreSQL and SQLite triggers refuse them too);
an amendment is a new version with a reason. `EpisodeReadDecision` rows keep every decision of an
episode's result (the first and each one an amendment changed).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from screening.campaigns.models import Campaign, Episode, EpisodeResult
from screening.core.models import TimeStampedModel
from screening.imaging.models import Study


class ReadRole(models.TextChoices):
    FIRST = "first", "First reader"
    SECOND = "second", "Second reader"
    ARBITRATION = "arbitration", "Arbitrator"


class TriageBand(models.TextChoices):
    """The AI's triage band as the worklist orders it; NONE when no AI result is there."""

    HIGH = "high", "High suspicion"
    INTERMEDIATE = "intermediate", "Intermediate suspicion"
    LOW = "low", "Low suspicion"
    NONE = "none", "No AI result"


# Worklist order: most suspicious first, studies without an AI result last.
BAND_RANK: dict[str, int] = {
    TriageBand.HIGH: 0,
    TriageBand.INTERMEDIATE: 1,
    TriageBand.LOW: 2,
    TriageBand.NONE: 3,
}
BAND_BY_RANK = {rank: band for band, rank in BAND_RANK.items()}


class ReadSlotStatus(models.TextChoices):
    OPEN = "open", "Awaiting a read"
    SIGNED = "signed", "Signed"


class AiAgreement(models.TextChoices):
    AGREE = "agree", "Agree with the AI"
    DISAGREE = "disagree", "Disagree with the AI"
    NOT_APPLICABLE = "", "AI not shown or no AI result"


class ReadSlot(TimeStampedModel):
    """One read a campaign's policy needs of one study, with its claim and its ordering key."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="read_slots")
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="read_slots")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="read_slots")
    role = models.CharField(max_length=16, choices=ReadRole.choices)
    status = models.CharField(max_length=16, choices=ReadSlotStatus.choices, default=ReadSlotStatus.OPEN)
    # The worklist's ordering key, copied from the AI result and the episode (ascending order).
    band_rank = models.PositiveSmallIntegerField(default=BAND_RANK[TriageBand.NONE])
    ai_score = models.FloatField(null=True, blank=True)
    score_rank = models.FloatField(default=0.0, help_text="Minus the AI score: higher scores sort first")
    waiting_since = models.DateTimeField(help_text="When the episode was imaged")
    priors_available = models.BooleanField(default=False)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    # Whether the claimant was shown the AI during this claim, recorded by the server when the
    # reading view or the API serves the read; the signed opinion takes it (and the reading time
    # from `claimed_at`), never a client's word.
    claim_ai_shown = models.BooleanField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    current_opinion = models.ForeignKey(
        "ReadOpinion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["band_rank", "score_rank", "waiting_since", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "role"], name="read_slot_one_per_study_role"),
            # A double-reading pair are two people and the arbitrator a third.
            models.UniqueConstraint(
                fields=["study", "signed_by"],
                condition=Q(signed_by__isnull=False),
                name="read_slot_one_read_per_reader_and_study",
            ),
            models.CheckConstraint(
                condition=Q(status=ReadSlotStatus.OPEN) | Q(signed_by__isnull=False, signed_at__isnull=False),
                name="read_slot_signed_has_reader",
            ),
        ]
        indexes = [
            # The worklist: open first/second reads in triage order (keyset pagination).
            models.Index(
                fields=["band_rank", "score_rank", "waiting_since", "id"],
                condition=Q(status=ReadSlotStatus.OPEN, role__in=[ReadRole.FIRST, ReadRole.SECOND]),
                name="read_slot_worklist_order",
            ),
            # One campaign's worklist in order (the worklist merges the reader's campaigns; the
            # counts per band count up to a limit in each campaign and band).
            models.Index(
                fields=["campaign", "band_rank", "score_rank", "waiting_since", "id"],
                condition=Q(status=ReadSlotStatus.OPEN, role__in=[ReadRole.FIRST, ReadRole.SECOND]),
                name="read_slot_worklist_campaign",
            ),
            models.Index(
                fields=["waiting_since", "id"],
                condition=Q(status=ReadSlotStatus.OPEN, role=ReadRole.ARBITRATION),
                name="read_slot_arbitration_queue",
            ),
            models.Index(fields=["signed_by", "-signed_at"], name="read_slot_reader_history"),
        ]
        permissions = [
            ("view_worklist", "Can work the reading worklist"),
            ("sign_read", "Can claim, sign and amend reads"),
            ("view_read_report", "Can view signed read reports"),
        ]

    def __str__(self) -> str:
        return f"Read slot {self.pk} ({self.role}, {self.status})"

    @property
    def band(self) -> str:
        return BAND_BY_RANK[self.band_rank]

    def claim_active(self, now: Any) -> bool:
        return (
            self.claimed_by_id is not None
            and self.claim_expires_at is not None
            and self.claim_expires_at > now
        )


class ReadSlotEventKind(models.TextChoices):
    CLAIMED = "claimed", "Claimed"
    RELEASED = "released", "Released"
    SKIPPED = "skipped", "Skipped"
    SIGNED = "signed", "Signed"
    AMENDED = "amended", "Amended"


class ReadSlotEvent(models.Model):
    """One step of a slot's life: claims, releases, skips (with a reason), signatures, amendments."""

    slot = models.ForeignKey(ReadSlot, on_delete=models.PROTECT, related_name="events")
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ReadSlotEventKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            # "Has this reader skipped this study?" for the worklist.
            models.Index(
                fields=["study", "user"],
                condition=Q(kind="skipped"),
                name="read_slot_event_skips",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} slot {self.slot_id}"


class LockedRowError(Exception):
    """A signed opinion (or its findings) was about to be changed or deleted."""


class LockedModel(models.Model):
    """Rows written once: saving an existing row or deleting one raises LockedRowError."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LockedRowError(f"{type(self).__name__} {self.pk} is signed and locked; amend instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise LockedRowError(f"{type(self).__name__} {self.pk} is signed and locked.")


class ReadOpinion(LockedModel):
    """One signed version of a reader's structured opinion; an amendment is the next version."""

    slot = models.ForeignKey(ReadSlot, on_delete=models.PROTECT, related_name="opinions")
    version = models.PositiveSmallIntegerField()
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    result = models.CharField(max_length=16, choices=EpisodeResult.choices)
    categories = models.JSONField(
        default=dict, blank=True, help_text='Category code per side {"R": "2", "L": "4"} or {"study": "3"}'
    )
    ai_agreement = models.CharField(max_length=8, choices=AiAgreement.choices, blank=True)
    ai_disagreement_reason = models.CharField(max_length=500, blank=True)
    comment = models.TextField(blank=True)
    reading_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="From opening to signing")
    ai_shown = models.BooleanField(help_text="The AI result was shown to the reader during this read")
    ai_band = models.CharField(max_length=16, choices=TriageBand.choices, default=TriageBand.NONE)
    ai_score = models.FloatField(null=True, blank=True, help_text="The AI score when the read was signed")
    amendment_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["slot", "version"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "version"], name="read_opinion_one_per_version"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(amendment_reason=""), name="read_opinion_amendment_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Opinion {self.pk} (slot {self.slot_id} v{self.version})"


class FindingSide(models.TextChoices):
    RIGHT = "R", "Right"
    LEFT = "L", "Left"


class ReadFinding(LockedModel):
    """A finding of a signed opinion with its location (breast: side, quadrant or clock face, depth;
    lung: lobe, size and nodule type)."""

    opinion = models.ForeignKey(ReadOpinion, on_delete=models.PROTECT, related_name="findings")
    category = models.CharField(max_length=8, blank=True)
    side = models.CharField(max_length=1, choices=FindingSide.choices, blank=True)
    quadrant = models.CharField(max_length=16, blank=True)
    clock_face = models.PositiveSmallIntegerField(null=True, blank=True)
    depth = models.CharField(max_length=16, blank=True)
    lobe = models.CharField(max_length=16, blank=True)
    size_mm = models.FloatField(null=True, blank=True)
    nodule_type = models.CharField(max_length=16, blank=True)
    description = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["opinion", "id"]

    def __str__(self) -> str:
        return f"Finding {self.pk}"


class DecisionBasis(models.TextChoices):
    SINGLE = "single", "Single reading"
    CONCORDANT = "concordant", "Concordant double reading"
    ARBITRATION = "arbitration", "Arbitration"
    AI_CONCORDANT = "ai_concordant", "Reader and AI concordant"
    TECHNICAL = "technical", "Technical recall by the reader"
    AMENDMENT = "amendment", "Recomputed after an amendment"


class EpisodeReadDecision(models.Model):
    """An episode's result as the reads decided it; an amendment that changes it adds a row."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="read_decisions")
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="read_decisions")
    result = models.CharField(max_length=16, choices=EpisodeResult.choices)
    basis = models.CharField(max_length=16, choices=DecisionBasis.choices)
    ai_recall = models.BooleanField(null=True, blank=True, help_text="The AI's call at the high threshold")
    decided_at = models.DateTimeField()
    imaging_to_result = models.DurationField(null=True, blank=True)
    opinions = models.ManyToManyField(ReadOpinion, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"Decision {self.pk}: {self.result}"
