"""Reading API payloads: the worklist page, a read with what its reader may see, sign/amend input, reports.

Input serializers check shape and types; the services decide what is allowed (claims, blind
reading, the programme's categories) and their errors come back as 400s.
"""

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from screening.campaigns.models import EpisodeResult
from screening.core.api_inputs import id_field
from screening.core.api_outputs import ModelOutput
from screening.reading.models import (
    AiAgreement,
    EpisodeReadDecision,
    ReadFinding,
    ReadOpinion,
    ReadRole,
    ReadSlot,
    TriageBand,
)
from screening.reading.opinion_rules import FindingInput, OpinionInput
from screening.reading.slot_services import ai_shown_to_reader
from screening.reading.worklist_selectors import MAX_PAGE_SIZE, MAX_WAITING_DAYS, PAGE_SIZE


class WorklistFilterInput(serializers.Serializer):
    """Query parameters of the worklist."""

    campaign = id_field(source="campaign_id", required=False, help_text="Campaign id")
    band = serializers.ChoiceField(choices=TriageBand.choices, required=False)
    waiting_more_than_days = serializers.IntegerField(required=False, min_value=0, max_value=MAX_WAITING_DAYS)
    priors_only = serializers.BooleanField(required=False, default=False)
    cursor = serializers.CharField(
        required=False, default="", allow_blank=True, help_text="next_cursor of a page"
    )
    page_size = serializers.IntegerField(
        required=False, default=PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE
    )


def _without_ai(read: dict[str, Any]) -> dict[str, Any]:
    """A read as shown to a reader of a campaign read unaided: no AI band, no AI score."""
    return read | {"band": None, "ai_score": None}


class ReadSlotOutput(ModelOutput):
    band = serializers.CharField(
        read_only=True, allow_null=True, help_text="high, intermediate, low or none; null when read unaided"
    )
    status = serializers.CharField(read_only=True, help_text="open or signed")
    patient = serializers.IntegerField(source="episode.patient_id", read_only=True)
    patient_identifier = serializers.CharField(source="episode.patient.identifier", read_only=True)
    claimed_by: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ReadSlot
        fields = [
            "id",
            "episode",
            "study",
            "campaign",
            "patient",
            "patient_identifier",
            "role",
            "status",
            "band",
            "ai_score",
            "waiting_since",
            "priors_available",
            "claimed_by",
            "claim_expires_at",
            "signed_at",
        ]
        read_only_fields = fields

    def ai_visible(self, slot: ReadSlot) -> bool:
        return ai_shown_to_reader(slot)

    def to_representation(self, instance: ReadSlot) -> dict[str, Any]:
        read = super().to_representation(instance)
        return read if self.ai_visible(instance) else _without_ai(read)


class _WorklistReadOutput(serializers.Serializer):
    """A worklist row's read; the entry decides what of the AI it shows (see WorklistEntryOutput)."""

    # ReadSlotOutput's fields, read from a `WorklistRead` (a row of the page's query, no model).
    id = serializers.IntegerField(read_only=True)
    episode = serializers.IntegerField(source="episode_id", read_only=True)
    study = serializers.IntegerField(source="study_id", read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True)
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    patient_identifier = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=ReadRole.choices, read_only=True)
    status = serializers.CharField(read_only=True, help_text="open or signed")
    band = serializers.CharField(
        read_only=True, allow_null=True, help_text="high, intermediate, low or none; null when read unaided"
    )
    ai_score = serializers.FloatField(read_only=True, allow_null=True)
    waiting_since = serializers.DateTimeField(
        read_only=True, help_text=ReadSlot._meta.get_field("waiting_since").help_text
    )
    priors_available = serializers.BooleanField(read_only=True)
    claimed_by = serializers.CharField(
        source="claimed_by_username",
        read_only=True,
        allow_null=True,
        help_text=User._meta.get_field("username").help_text,
    )
    claim_expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    signed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class WorklistEntryOutput(serializers.Serializer):
    read = _WorklistReadOutput(source="slot", read_only=True)
    days_waiting = serializers.IntegerField(read_only=True)
    overdue = serializers.BooleanField(read_only=True, help_text="Past the 14-day result standard")
    claimed_by_me = serializers.BooleanField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        entry = super().to_representation(instance)
        return entry if instance.ai_shown else entry | {"read": _without_ai(entry["read"])}


class BandCountsOutput(serializers.Serializer):
    high = serializers.IntegerField(read_only=True)
    intermediate = serializers.IntegerField(read_only=True)
    low = serializers.IntegerField(read_only=True)
    none = serializers.IntegerField(read_only=True)


class BandCountsMoreOutput(serializers.Serializer):
    high = serializers.BooleanField(read_only=True)
    intermediate = serializers.BooleanField(read_only=True)
    low = serializers.BooleanField(read_only=True)
    none = serializers.BooleanField(read_only=True)


class WorklistPageOutput(serializers.Serializer):
    results = WorklistEntryOutput(source="entries", many=True, read_only=True)
    next_cursor = serializers.CharField(read_only=True, help_text="Empty on the last page")
    counts = BandCountsOutput(
        read_only=True,
        help_text="Studies on this worklist per AI band, under the filters but the band (counted up to 200)",
    )
    counts_more = BandCountsMoreOutput(
        read_only=True, help_text="Per band: more studies wait than its count (counting stops at 200)"
    )


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReadFinding
        fields = [
            "category",
            "side",
            "quadrant",
            "clock_face",
            "depth",
            "lobe",
            "size_mm",
            "nodule_type",
            "description",
        ]
        extra_kwargs = {name: {"required": False} for name in fields}


class OpinionOutput(ModelOutput):
    reader: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    role = serializers.CharField(source="slot.role", read_only=True)
    findings = FindingSerializer(many=True, read_only=True)

    class Meta:
        model = ReadOpinion
        fields = [
            "id",
            "role",
            "version",
            "reader",
            "signed_at",
            "result",
            "categories",
            "findings",
            "ai_agreement",
            "ai_disagreement_reason",
            "comment",
            "reading_seconds",
            "ai_shown",
            "ai_band",
            "ai_score",
            "amendment_reason",
        ]
        read_only_fields = fields


AI_WITHHELD_FIELDS = ("ai_band", "ai_score", "ai_agreement", "ai_disagreement_reason")
AI_WITHHELD_HELP = "Why the AI is not shown (the participant withdrew consent to AI); empty otherwise"


def _opinions_without_ai(opinions: Any) -> list[dict[str, Any]]:
    """Opinions as shown once the participant withdrew AI consent: whether the AI was shown stays,
    what it said does not."""
    return [opinion | dict.fromkeys(AI_WITHHELD_FIELDS) for opinion in opinions]


class StudyReadsOutput(serializers.Serializer):
    """A read and what its reader may see: blind to the other reader until both have signed."""

    read = ReadSlotOutput(source="own_slot", read_only=True)
    ai_visible = serializers.BooleanField(read_only=True)
    ai_withheld_reason = serializers.CharField(read_only=True, help_text=AI_WITHHELD_HELP)
    visible_opinions = OpinionOutput(many=True, read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        reads = super().to_representation(instance)
        if not instance.ai_withheld_reason:
            return reads
        return reads | {
            "read": _without_ai(reads["read"]),
            "visible_opinions": _opinions_without_ai(reads["visible_opinions"]),
        }


class OpinionInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, help_text="The reader's password"
    )
    result = serializers.ChoiceField(choices=EpisodeResult.choices)
    categories = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        help_text='Per breast {"R": "2", "L": "1"} or per study {"study": "2"}',
    )
    findings = FindingSerializer(many=True, required=False, default=list)
    ai_agreement = serializers.ChoiceField(
        choices=AiAgreement.choices, required=False, default="", allow_blank=True
    )
    ai_disagreement_reason = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=500
    )
    comment = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)


class AmendmentInput(OpinionInputSerializer):
    reason = serializers.CharField(max_length=500)


def opinion_from(data: dict[str, Any]) -> OpinionInput:
    """The service's opinion from validated API input."""
    return OpinionInput(
        result=data["result"],
        categories=dict(data["categories"]),
        findings=[FindingInput(**finding) for finding in data["findings"]],
        ai_agreement=data["ai_agreement"],
        ai_disagreement_reason=data["ai_disagreement_reason"],
        comment=data["comment"],
    )


class SkipInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class DecisionOutput(ModelOutput):
    class Meta:
        model = EpisodeReadDecision
        fields = ["id", "study", "result", "basis", "ai_recall", "decided_at", "imaging_to_result", "note"]
        read_only_fields = fields


class EpisodeReportOutput(serializers.Serializer):
    """An episode's signed result: the decisions (latest last) and every signed version of each read."""

    episode = serializers.IntegerField(source="episode.pk", read_only=True)
    result = serializers.CharField(source="episode.result", read_only=True)
    result_under_review = serializers.BooleanField(
        source="episode.result_under_review",
        read_only=True,
        help_text="An amendment sent the result to arbitration: it is not final until the arbitrator signs",
    )
    ai_withheld_reason = serializers.CharField(read_only=True, help_text=AI_WITHHELD_HELP)
    decisions = DecisionOutput(many=True, read_only=True)
    opinions = serializers.SerializerMethodField()

    @extend_schema_field(OpinionOutput(many=True))
    def get_opinions(self, report: Any) -> Any:
        versions = [opinion for slot in report.slots for opinion in report.versions.get(slot.pk, [])]
        opinions = OpinionOutput(versions, many=True).data
        return _opinions_without_ai(opinions) if report.ai_withheld_reason else opinions

    def to_representation(self, instance: Any) -> dict[str, Any]:
        report = super().to_representation(instance)
        if instance.ai_withheld_reason:
            report["decisions"] = [decision | {"ai_recall": None} for decision in report["decisions"]]
        return report
