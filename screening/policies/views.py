"""The threshold what-if simulator: run a policy on a campaign's history, save it as a scenario,
and (administrators) apply a saved scenario to its campaign. Thin: read, call, render."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.policies.history_selectors import simulated_campaigns
from screening.policies.scenario_input import policy_of, scenario_input_read
from screening.policies.scenario_selectors import campaign_get, scenario_get, scenario_run, scenarios_visible
from screening.policies.scenario_services import (
    APPLY_PERMISSION,
    SAVE_PERMISSION,
    scenario_application_error,
    scenario_apply,
    scenario_save,
)
from screening.statistics.views import require_statistics_access

RECENT_SCENARIOS = 20


def _run(request: HttpRequest, params: Any) -> tuple[dict[str, Any] | None, Any, dict[str, Any]]:
    """(inputs, result or None, errors) of the simulator's parameters."""
    inputs, errors = scenario_input_read(params)
    if inputs is None:
        return None, None, errors
    campaign = campaign_get(user=request.user, campaign_id=inputs["campaign"])
    if campaign is None:
        return inputs, None, {"campaign": ["No such campaign among yours."]}
    return inputs, scenario_run(user=request.user, campaign=campaign, policy=policy_of(inputs)), {}


@require_GET
@require_statistics_access
def simulator(request: HttpRequest) -> HttpResponse:
    """The simulator's form; with a campaign chosen, the replay beside the real figures and the curve."""
    inputs, result, errors = _run(request, request.GET) if "campaign" in request.GET else (None, None, {})
    query = {key: value for key, value in request.GET.items() if value}
    context = {
        "campaigns": list(simulated_campaigns(user=request.user)),
        "inputs": inputs or {},
        "result": result,
        "errors": errors,
        "query_string": urlencode(query),
        "may_save": request.user.has_perm(SAVE_PERMISSION),
        "scenarios": list(scenarios_visible(user=request.user)[:RECENT_SCENARIOS]),
    }
    return render(request, "policies/simulator.html", context, status=400 if errors else 200)


@require_GET
@require_statistics_access
def curve_csv(request: HttpRequest) -> HttpResponse:
    """The curve's numbers as CSV: the same rows as its table."""
    _, result, errors = _run(request, request.GET)
    if errors:
        return HttpResponse(
            "; ".join(f"{k}: {v}" for k, v in errors.items()), status=400, content_type="text/plain"
        )
    if result is None or result.chart is None:
        raise Http404("This scenario has no curve.")
    response = HttpResponse(result.chart.csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="policies-curve.csv"'
    return response


@require_POST
@require_permission(SAVE_PERMISSION)
def save(request: HttpRequest) -> HttpResponse:
    """Save the scenario as run (inputs and figures), audited."""
    inputs, errors = scenario_input_read(request.POST)
    campaign = campaign_get(user=request.user, campaign_id=inputs["campaign"]) if inputs else None
    if inputs is None or campaign is None:
        messages.error(request, f"The scenario was not saved: {errors or 'no such campaign'}")
        return redirect("policies:simulator")
    scenario = scenario_save(
        actor=Actor.from_request(request), campaign=campaign, policy=policy_of(inputs), note=inputs["note"]
    )
    messages.success(request, "Scenario saved.")
    return redirect("policies:scenario", scenario_id=scenario.pk)


@require_GET
@require_statistics_access
def scenario(request: HttpRequest, scenario_id: int) -> HttpResponse:
    """A saved scenario: who ran it, when, its inputs and figures, and where it was applied."""
    found = scenario_get(user=request.user, scenario_id=scenario_id)
    if found is None:
        raise Http404("No such scenario.")
    context = {
        "scenario": found,
        "may_apply": request.user.has_perm(APPLY_PERMISSION),
        "application_error": scenario_application_error(found),
    }
    return render(request, "policies/scenario.html", context)


@require_POST
@require_permission(APPLY_PERMISSION)
def apply(request: HttpRequest, scenario_id: int) -> HttpResponse:
    """Apply a saved scenario's threshold to its campaign (administrators), with a reason."""
    found = scenario_get(user=request.user, scenario_id=scenario_id)
    if found is None:
        raise Http404("No such scenario.")
    try:
        scenario_apply(
            actor=Actor.from_request(request), scenario=found, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, f"Not applied: {' '.join(error.messages)}")
    else:
        messages.success(request, f"Applied to {found.campaign}.")
    return redirect("policies:scenario", scenario_id=found.pk)
