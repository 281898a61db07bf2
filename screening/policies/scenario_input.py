"""The simulator's inputs (page, CSV and API): a campaign, the base policy and its thresholds."""

from typing import Any

from rest_framework import serializers

from screening.policies.models import ScenarioBase
from screening.policies.policy_replay import Policy

THRESHOLDS = ("ai_threshold", "triage_below", "safety_net_at")


def _threshold() -> serializers.FloatField:
    return serializers.FloatField(min_value=0.0, max_value=1.0, required=False, allow_null=True)


class ScenarioInput(serializers.Serializer):
    """`base`: the policy in force or AI as second reader at `ai_threshold` (t); optionally normal
    triage to one reader below `triage_below` (t1) and a safety-net recall at or above
    `safety_net_at` (t2). Scores and thresholds lie between 0 and 1."""

    campaign = serializers.IntegerField(min_value=1)
    base = serializers.ChoiceField(
        choices=ScenarioBase.choices, required=False, default=ScenarioBase.IN_FORCE
    )
    ai_threshold = _threshold()
    triage_below = _threshold()
    safety_net_at = _threshold()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needs_t = attrs.get("base") == ScenarioBase.AI_SECOND_READER
        if needs_t and attrs.get("ai_threshold") is None:
            raise serializers.ValidationError({"ai_threshold": ["AI as second reader needs a threshold t."]})
        if not needs_t and attrs.get("ai_threshold") is not None:
            raise serializers.ValidationError(
                {"ai_threshold": ["Only AI as second reader takes a threshold t."]}
            )
        return attrs


def scenario_input_read(params: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(validated inputs, {}) or (None, errors); empty form fields count as not given."""
    data = {key: params.get(key) for key in params if params.get(key) not in ("", None)}
    form = ScenarioInput(data=data)
    if not form.is_valid():
        return None, dict(form.errors)
    return dict(form.validated_data), {}


def policy_of(inputs: dict[str, Any]) -> Policy:
    """The policy the inputs describe."""
    return Policy(
        base=inputs.get("base", ScenarioBase.IN_FORCE), **{name: inputs.get(name) for name in THRESHOLDS}
    )
