"""Outcome API payloads: an input serializer per write, an output for an episode's outcome.

Input serializers check shape and types; the services decide what is allowed (a recalled episode,
the programme's pathology fields, a reason for a correction) and their errors come back as 400s.
"""

from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from screening.core.api_inputs import id_field
from screening.core.api_outputs import ModelOutput
from screening.core.date_bounds import plausible_date
from screening.outcomes.episode_truth import Truth
from screening.outcomes.models import (
    Assessment,
    AssessmentOutcome,
    Diagnosis,
    LungFollowUp,
    NodalStatus,
    NoduleOutcome,
    Pathology,
    PathologyKind,
    Side,
)

_RECORD_FIELDS = [
    "id",
    "recorded_at",
    "recorded_by",
    "recorded_via",
    "corrects",
    "correction_reason",
    "entered_in_error",
]
REASON_HELP = "Required when this corrects what is already recorded: why it changes"


class _RecordOutput(ModelOutput):
    recorded_by: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )


class AssessmentOutput(_RecordOutput):
    class Meta:
        model = Assessment
        fields = [*_RECORD_FIELDS, "episode", "attended_on", "site", "outcome"]
        read_only_fields = fields


class PathologyOutput(_RecordOutput):
    class Meta:
        model = Pathology
        fields = [
            *_RECORD_FIELDS,
            "episode",
            "side",
            "lesion",
            "kind",
            "diagnosed_on",
            "invasive_size_mm",
            "grade",
            "nodal_status",
            "lung_rads_follow_up",
            "nodule_outcome",
            "stage",
        ]
        read_only_fields = fields


class DiagnosisOutput(_RecordOutput):
    class Meta:
        model = Diagnosis
        fields = [
            *_RECORD_FIELDS,
            "patient",
            "episode",
            "diagnosed_on",
            "side",
            "kind",
            "size_mm",
            "reporting_source",
            "months_since_screening",
            "registry_import",
        ]
        read_only_fields = fields


class TruthOutput(serializers.Serializer):
    truth = serializers.ChoiceField(choices=[(t.value, t.value) for t in Truth], read_only=True)
    truth_label = serializers.CharField(source="label", read_only=True)
    reason = serializers.CharField(read_only=True)
    window_ends_on = serializers.DateField(read_only=True, allow_null=True)
    months_to_cancer = serializers.FloatField(read_only=True, allow_null=True)


class EpisodeOutcomeOutput(serializers.Serializer):
    """An episode's current assessment, pathology and diagnoses, its truth and its whole history."""

    episode = serializers.IntegerField(source="episode.pk", read_only=True)
    result = serializers.CharField(source="episode.result", read_only=True)
    truth = TruthOutput(read_only=True)
    assessment = AssessmentOutput(read_only=True, allow_null=True)
    pathology = PathologyOutput(many=True, read_only=True)
    diagnoses = DiagnosisOutput(many=True, read_only=True)
    assessment_history = serializers.SerializerMethodField()
    pathology_history = serializers.SerializerMethodField()

    def get_assessment_history(self, outcome: Any) -> list[dict[str, Any]]:
        records = [r for r in outcome.history if isinstance(r, Assessment)]
        return list(AssessmentOutput(records, many=True).data)

    def get_pathology_history(self, outcome: Any) -> list[dict[str, Any]]:
        records = [r for r in outcome.history if isinstance(r, Pathology)]
        return list(PathologyOutput(records, many=True).data)


class AssessmentInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AssessmentOutcome.choices)
    attended_on = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[plausible_date]
    )
    site = serializers.CharField(required=False, default="", allow_blank=True, max_length=120)
    reason = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=500, help_text=REASON_HELP
    )


class PathologyInput(serializers.Serializer):
    side = serializers.ChoiceField(choices=Side.choices, required=False, default="", allow_blank=True)
    lesion = serializers.IntegerField(required=False, default=1, min_value=1, max_value=20)
    kind = serializers.ChoiceField(choices=PathologyKind.choices)
    diagnosed_on = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[plausible_date]
    )
    invasive_size_mm = serializers.FloatField(required=False, allow_null=True, default=None)
    grade = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=3)
    nodal_status = serializers.ChoiceField(
        choices=NodalStatus.choices, required=False, default="", allow_blank=True
    )
    lung_rads_follow_up = serializers.ChoiceField(
        choices=LungFollowUp.choices, required=False, default="", allow_blank=True
    )
    nodule_outcome = serializers.ChoiceField(
        choices=NoduleOutcome.choices, required=False, default="", allow_blank=True
    )
    stage = serializers.CharField(required=False, default="", allow_blank=True, max_length=16)
    reason = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=500, help_text=REASON_HELP
    )


class DiagnosisInput(serializers.Serializer):
    patient = id_field(help_text="Participant id")
    diagnosed_on = serializers.DateField(validators=[plausible_date])
    side = serializers.ChoiceField(choices=Side.choices, required=False, default="", allow_blank=True)
    kind = serializers.ChoiceField(choices=PathologyKind.choices)
    size_mm = serializers.FloatField(required=False, allow_null=True, default=None)
    reporting_source = serializers.CharField(max_length=120)
