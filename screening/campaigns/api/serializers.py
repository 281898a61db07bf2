"""Campaign, episode and programme API payloads: an input serializer per write, an output per resource.

Input serializers check shape and types only; the services decide what is allowed (status steps,
eligibility, the episode pathway) and their errors come back as 400s through ServiceErrorsMixin.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from screening.campaigns.campaign_selectors import (
    campaign_funnel,
    campaign_settings_history,
    episode_history,
    programme_list,
)
from screening.campaigns.models import (
    DEFAULT_HIGH_THRESHOLD,
    DEFAULT_LOW_THRESHOLD,
    Campaign,
    CampaignStatus,
    Episode,
    EpisodeResult,
    EpisodeStatus,
    EpisodeStatusEvent,
    Programme,
    ReadingPolicy,
)
from screening.core.api_inputs import id_field
from screening.core.api_outputs import ModelOutput
from screening.core.date_bounds import plausible_date
from screening.patients.api.serializers import PatientSummaryOutput

HIGH_HELP = "AI score at or above which a study is high suspicion (and the AI as second reader recalls)"
LOW_HELP = "AI score below which a study is low suspicion; below the high threshold"


class ProgrammeOutput(ModelOutput):
    class Meta:
        model = Programme
        fields = [
            "id",
            "code",
            "name",
            "modality",
            "min_age",
            "max_age",
            "eligible_sexes",
            "interval_months",
            "views",
            "result_categories",
            "results_per_side",
        ]
        read_only_fields = fields


class CampaignFilterInput(serializers.Serializer):
    """Query parameters of the campaign list."""

    status = serializers.ChoiceField(choices=CampaignStatus.choices, required=False)
    programme = serializers.SlugField(
        source="programme_code", required=False, help_text="Programme code, e.g. breast"
    )


class CampaignCreateInput(serializers.Serializer):
    programme = serializers.SlugRelatedField(
        slug_field="code", queryset=programme_list(), help_text="Programme code, e.g. breast"
    )
    name = serializers.CharField(max_length=120)
    site = serializers.CharField(max_length=120)
    start_date = serializers.DateField(validators=[plausible_date])
    end_date = serializers.DateField(validators=[plausible_date])
    reading_policy = serializers.ChoiceField(
        choices=ReadingPolicy.choices, default=ReadingPolicy.DOUBLE_BLIND
    )
    ai_enabled = serializers.BooleanField(default=True)
    ai_shown_to_readers = serializers.BooleanField(
        default=True, help_text="Readers see the AI score, band and heat map while they read"
    )
    ai_high_suspicion_threshold = serializers.FloatField(
        min_value=0.0, max_value=1.0, default=DEFAULT_HIGH_THRESHOLD, help_text=HIGH_HELP
    )
    ai_low_suspicion_threshold = serializers.FloatField(
        min_value=0.0, max_value=1.0, default=DEFAULT_LOW_THRESHOLD, help_text=LOW_HELP
    )


class CampaignSettingsInput(serializers.Serializer):
    """A change of a campaign's settings: only the fields sent change (PATCH).

    Episodes already imaged keep the settings they recorded; an open campaign keeps the
    radiologists its policy needs.
    """

    reading_policy = serializers.ChoiceField(choices=ReadingPolicy.choices, required=False)
    ai_high_suspicion_threshold = serializers.FloatField(
        min_value=0.0, max_value=1.0, required=False, help_text=HIGH_HELP
    )
    ai_low_suspicion_threshold = serializers.FloatField(
        min_value=0.0, max_value=1.0, required=False, help_text=LOW_HELP
    )
    ai_shown_to_readers = serializers.BooleanField(required=False)
    ai_expected_prevalence = serializers.FloatField(
        min_value=0.0001,
        max_value=0.9999,
        required=False,
        allow_null=True,
        help_text="Expected share of studies with a finding; AI scores are shown at it (null clears it)",
    )
    staff = serializers.SlugRelatedField(
        slug_field="username",
        many=True,
        required=False,
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="Usernames of every user assigned to the campaign (replaces the current list)",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["This field cannot be changed here."] for name in unknown}
            )
        if not attrs:
            raise serializers.ValidationError("Send at least one setting to change.")
        return attrs


class CampaignSettingsChangeOutput(serializers.Serializer):
    changed_at = serializers.DateTimeField(read_only=True)
    changed_by = serializers.CharField(source="actor.username", default=None, read_only=True, allow_null=True)
    changes = serializers.DictField(
        child=serializers.ListField(), read_only=True, help_text='{"setting": [old, new]}'
    )


class CampaignOutput(ModelOutput):
    programme: "serializers.SlugRelatedField[Programme]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "programme",
            "name",
            "site",
            "start_date",
            "end_date",
            "status",
            "reading_policy",
            "ai_enabled",
            "ai_model_name",
            "ai_high_suspicion_threshold",
            "ai_low_suspicion_threshold",
            "ai_shown_to_readers",
            "ai_expected_prevalence",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FunnelStepOutput(serializers.Serializer):
    status = serializers.CharField(read_only=True, help_text="An episode status")
    status_label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)


class CampaignDetailOutput(CampaignOutput):
    """A campaign with its assigned staff, its funnel (episodes per status, no identifiers) and the
    history of its settings, oldest first."""

    assigned_staff: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    funnel = serializers.SerializerMethodField()
    settings_history = serializers.SerializerMethodField()

    class Meta(CampaignOutput.Meta):
        fields = [*CampaignOutput.Meta.fields, "assigned_staff", "funnel", "settings_history"]
        read_only_fields = fields

    @extend_schema_field(FunnelStepOutput(many=True))
    def get_funnel(self, campaign: Campaign) -> list[dict[str, Any]]:
        return [
            {"status": status, "status_label": label, "count": count}
            for status, label, count in campaign_funnel(campaign=campaign)
        ]

    @extend_schema_field(CampaignSettingsChangeOutput(many=True))
    def get_settings_history(self, campaign: Campaign) -> list[dict[str, Any]]:
        history = campaign_settings_history(campaign=campaign)
        return list(CampaignSettingsChangeOutput(history, many=True).data)


class CampaignStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=CampaignStatus.choices)


class StaffInput(serializers.Serializer):
    staff = serializers.SlugRelatedField(
        slug_field="username",
        many=True,
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="Usernames of every user assigned to the campaign (replaces the current list)",
    )


class InvitationInput(serializers.Serializer):
    """Invite the chosen eligible participants, or everyone eligible."""

    patient_ids = serializers.ListField(
        child=id_field(), required=False, allow_empty=False, max_length=100_000
    )
    all = serializers.BooleanField(required=False, default=False, help_text="Invite everyone eligible")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["all"] == ("patient_ids" in attrs):
            raise serializers.ValidationError("Give either patient_ids or all: true, not both.")
        return attrs


class InvitationOutput(serializers.Serializer):
    invited = serializers.IntegerField(read_only=True, help_text="How many participants were invited")


class EpisodeFilterInput(serializers.Serializer):
    """Query parameters of the episode list."""

    campaign = id_field(source="campaign_id", required=False, help_text="Campaign id")
    status = serializers.ChoiceField(choices=EpisodeStatus.choices, required=False)
    patient = id_field(source="patient_id", required=False, help_text="Participant id")


class EpisodeOutput(ModelOutput):
    patient = PatientSummaryOutput(read_only=True)

    class Meta:
        model = Episode
        fields = [
            "id",
            "campaign",
            "patient",
            "status",
            "result",
            "result_under_review",
            "status_changed_at",
            "invited_at",
            "imaged_at",
        ]
        read_only_fields = fields


class EpisodeStepOutput(ModelOutput):
    actor: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = EpisodeStatusEvent
        fields = ["from_status", "to_status", "result", "occurred_at", "actor", "note"]
        read_only_fields = fields


class EpisodeDetailOutput(EpisodeOutput):
    """An episode with its status history, oldest step first."""

    history = serializers.SerializerMethodField()

    class Meta(EpisodeOutput.Meta):
        fields = [*EpisodeOutput.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(EpisodeStepOutput(many=True))
    def get_history(self, episode: Episode) -> Any:
        return EpisodeStepOutput(episode_history(episode=episode), many=True).data


class EpisodeTransitionInput(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=EpisodeStatus.choices)
    result = serializers.ChoiceField(
        choices=EpisodeResult.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="Only a technical recall at imaging (with a note saying why); routine and recall "
        "results come only from signed reads",
    )
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
