"""Policies API: run a what-if scenario, save it, list saved ones, and (administrators) apply one."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from screening.core.access import AUTHENTICATED, DeclaredApiPermission
from screening.core.actors import Actor
from screening.policies.api.serializers import ApplyInput, ScenarioOutput, SimulationOutput
from screening.policies.scenario_input import ScenarioInput, policy_of, scenario_input_read
from screening.policies.scenario_selectors import (
    ScenarioResult,
    campaign_get,
    scenario_get,
    scenario_run,
    scenarios_visible,
)
from screening.policies.scenario_services import (
    APPLY_PERMISSION,
    SAVE_PERMISSION,
    scenario_apply,
    scenario_save,
)
from screening.statistics.api.views import MaySeeStatistics

SCENARIO_LIST_LIMIT = 100


def _inputs(request: Request, data: Any) -> tuple[dict[str, Any], Any]:
    inputs, errors = scenario_input_read(data)
    if inputs is None:
        raise ValidationError(errors)
    campaign = campaign_get(user=request.user, campaign_id=inputs["campaign"])
    if campaign is None:
        raise ValidationError({"campaign": ["No such campaign among yours."]})
    return inputs, campaign


def simulation_body(result: ScenarioResult) -> dict[str, Any]:
    """The simulator's answer: the figures beside the real ones, and the curve's points."""
    rows = result.chart.rows if result.chart else ()
    keys = ("threshold", "recall_rate", "sensitivity", "specificity", "reads_per_thousand")
    curve = [
        {key: (None if cell == "" else cell) for key, cell in zip(keys, row, strict=True)} for row in rows
    ]
    policy = result.policy
    return {
        "campaign": result.campaign.pk,
        "policy": {
            "base": policy.base,
            "ai_threshold": policy.ai_threshold,
            "triage_below": policy.triage_below,
            "safety_net_at": policy.safety_net_at,
        },
        **result.results(),
        "varied": result.varied,
        "curve": curve,
    }


@extend_schema(tags=["policies"])
class SimulateView(APIView):
    required_permissions = {"get": AUTHENTICATED}
    permission_classes = [DeclaredApiPermission, MaySeeStatistics]

    @extend_schema(operation_id="policies_simulate", parameters=[ScenarioInput], responses=SimulationOutput)
    def get(self, request: Request) -> Response:
        """Replay a policy on a campaign's history: projected figures beside the real ones, and the
        curve over the policy's threshold (`note` is ignored here)."""
        inputs, campaign = _inputs(request, request.query_params)
        result = scenario_run(user=request.user, campaign=campaign, policy=policy_of(inputs))
        return Response(SimulationOutput(simulation_body(result)).data)


@extend_schema(tags=["policies"])
class ScenarioListView(APIView):
    required_permissions = {"get": AUTHENTICATED, "post": SAVE_PERMISSION}
    permission_classes = [DeclaredApiPermission, MaySeeStatistics]

    @extend_schema(operation_id="policies_scenarios_list", responses=ScenarioOutput(many=True))
    def get(self, request: Request) -> Response:
        """The saved scenarios of the campaigns the user may replay, newest first (100 at most)."""
        scenarios = scenarios_visible(user=request.user).prefetch_related("applications__applied_by")
        return Response(ScenarioOutput(scenarios[:SCENARIO_LIST_LIMIT], many=True).data)

    @extend_schema(operation_id="policies_scenarios_create", request=ScenarioInput, responses=ScenarioOutput)
    def post(self, request: Request) -> Response:
        """Run a scenario and save its inputs and figures (coordinators and administrators), audited."""
        inputs, campaign = _inputs(request, request.data)
        scenario = scenario_save(
            actor=Actor.from_request(request),
            campaign=campaign,
            policy=policy_of(inputs),
            note=inputs["note"],
        )
        return Response(ScenarioOutput(scenario).data, status=201)


@extend_schema(tags=["policies"])
class ScenarioApplyView(APIView):
    required_permissions = {"post": APPLY_PERMISSION}
    permission_classes = [DeclaredApiPermission]

    @extend_schema(operation_id="policies_scenario_apply", request=ApplyInput, responses=ScenarioOutput)
    def post(self, request: Request, scenario_id: int) -> Response:
        """Apply a saved scenario's threshold to its campaign (administrators, with a reason), audited."""
        form = ApplyInput(data=request.data)
        form.is_valid(raise_exception=True)
        scenario = scenario_get(user=request.user, scenario_id=scenario_id)
        if scenario is None:
            raise NotFound("No such scenario.")
        try:
            scenario_apply(
                actor=Actor.from_request(request), scenario=scenario, reason=form.validated_data["reason"]
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        except DjangoValidationError as error:
            raise ValidationError(error.messages) from error
        found = scenario_get(user=request.user, scenario_id=scenario_id)
        return Response(ScenarioOutput(found).data)
