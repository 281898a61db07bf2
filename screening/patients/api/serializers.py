"""Participant API payloads: an input serializer per write, an output serializer per resource.

Input serializers check shape and types only; the services do the real validation (identifier
check digits, dates, double consent) and their errors come back as 400s through ServiceErrorsMixin.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db import models
from rest_framework import serializers

from screening.core.api_outputs import ModelOutput
from screening.core.date_bounds import plausible_date
from screening.patients.identifiers import NHS_ISSUER
from screening.patients.models import ConsentEvent, ConsentMethod, ConsentScope, Patient, Sex
from screening.patients.patient_services import EDITABLE_FIELDS


class PatientFilterInput(serializers.Serializer):
    """Query parameters of the participant list."""

    q = serializers.CharField(
        source="query",
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Identifier or name prefix; several words must all match",
    )
    date_of_birth = serializers.DateField(required=False, validators=[plausible_date])
    issuer = serializers.CharField(required=False, max_length=64, help_text="Only this issuer's identifiers")


class PatientCreateInput(serializers.Serializer):
    identifier = serializers.CharField(max_length=64)
    issuer = serializers.CharField(max_length=64, default=NHS_ISSUER)
    family_name = serializers.CharField(max_length=100)
    given_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(validators=[plausible_date])
    sex = serializers.ChoiceField(choices=Sex.choices)
    email = serializers.EmailField(required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    postcode = serializers.CharField(max_length=16, required=False, default="", allow_blank=True)


class PatientUpdateInput(serializers.Serializer):
    """The editable details; identifier and issuer never change."""

    family_name = serializers.CharField(max_length=100)
    given_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(validators=[plausible_date])
    sex = serializers.ChoiceField(choices=Sex.choices)
    email = serializers.EmailField(allow_blank=True)
    phone = serializers.CharField(max_length=32, allow_blank=True)
    address = serializers.CharField(max_length=255, allow_blank=True)
    postcode = serializers.CharField(max_length=16, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Refused rather than ignored, so a client never believes it changed an identifier.
        refused = sorted(set(self.initial_data) - set(EDITABLE_FIELDS))
        if refused:
            raise serializers.ValidationError({name: ["This field cannot be changed."] for name in refused})
        return attrs


class PatientOutput(ModelOutput):
    class Meta:
        model = Patient
        fields = [
            "id",
            "identifier",
            "issuer",
            "family_name",
            "given_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "address",
            "postcode",
            "opted_out_at",
            "opted_out_reason",
            "deceased_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PatientSummaryOutput(ModelOutput):
    """Who a participant is, without contact details (lists of episodes and cohorts)."""

    class Meta:
        model = Patient
        fields = ["id", "identifier", "issuer", "family_name", "given_name", "date_of_birth", "sex"]
        read_only_fields = fields


class OptOutInput(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class ConsentRecordAction(models.TextChoices):
    GRANT = "grant", "Grant"
    WITHDRAW = "withdraw", "Withdraw"


class ConsentRecordInput(serializers.Serializer):
    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    action = serializers.ChoiceField(choices=ConsentRecordAction.choices)
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class ConsentEventOutput(ModelOutput):
    recorded_by: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ConsentEvent
        fields = ["id", "scope", "action", "occurred_at", "recorded_by", "method", "note"]
        read_only_fields = fields


class ConsentStateOutput(serializers.Serializer):
    """The current state of one scope (a ConsentState)."""

    scope = serializers.ChoiceField(choices=ConsentScope.choices, read_only=True)
    scope_label = serializers.CharField(read_only=True)
    granted = serializers.BooleanField(read_only=True)
    since = serializers.DateTimeField(read_only=True, allow_null=True)
    state = serializers.CharField(
        source="label", read_only=True, help_text="Granted, Withdrawn or Not recorded"
    )


class ConsentOverviewOutput(serializers.Serializer):
    current = ConsentStateOutput(many=True, read_only=True, help_text="One entry per consent scope")
    history = ConsentEventOutput(many=True, read_only=True, help_text="Every event, newest first")
