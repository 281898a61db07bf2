"""The simulator's page, CSV and API, saving a scenario and applying it: who may do what, what is
kept, what is audited, and what the campaign records."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from screening.campaigns.models import ReadingPolicy
from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.policies.models import PolicyScenario
from screening.policies.policy_replay import AI_SECOND, Policy
from screening.policies.scenario_services import scenario_apply, scenario_save
from tests.statistics.accuracy_world import accuracy_world

AI_AT_HALF = {"base": "ai_second_reader", "ai_threshold": "0.5"}


@pytest.fixture
def world(db):
    world = accuracy_world()
    world["campaign"].assigned_staff.add(*world["readers"])  # the radiologists an open campaign needs
    return world


def _scenario(user, campaign, policy=None) -> PolicyScenario:
    policy = policy or Policy(base=AI_SECOND, ai_threshold=0.45)
    return scenario_save(actor=Actor.for_user(user), campaign=campaign, policy=policy, note="evidence")


def test_the_page_shows_real_and_projected_figures_and_the_curve(auditor_client, world):
    campaign = world["campaign"]
    response = auditor_client.get(reverse("policies:simulator"), {"campaign": campaign.pk, **AI_AT_HALF})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.projected.recall_rate.numerator == 19 and result.real.recall_rate.numerator == 20
    assert b"What-if over the ai second-reader threshold t" in response.content
    assert b"Save scenario" not in response.content  # auditors look; they do not save


def test_the_curve_csv_equals_its_table(auditor_client, world):
    params = {"campaign": world["campaign"].pk, **AI_AT_HALF}
    table = auditor_client.get(reverse("policies:simulator"), params).context["result"].chart
    response = auditor_client.get(reverse("policies:curve_csv"), params)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == list(table.columns)
    assert rows[1:] == [[str(cell) for cell in row] for row in table.rows]
    assert rows[51][0] == "0.5" and rows[51][1] == "38.0"  # 19 of 50 recalled at t = 0.5


def test_bad_inputs_are_refused(auditor_client, world):
    bad = auditor_client.get(
        reverse("policies:simulator"), {"campaign": world["campaign"].pk, "base": "ai_second_reader"}
    )
    assert bad.status_code == 400 and "ai_threshold" in bad.context["errors"]
    outside = auditor_client.get(reverse("policies:simulator"), {"campaign": 999999})
    assert outside.status_code == 400


def test_a_coordinator_saves_a_scenario_with_who_when_inputs_and_results(
    coordinator, coordinator_client, world
):
    campaign = world["campaign"]
    campaign.assigned_staff.add(coordinator)
    response = coordinator_client.post(
        reverse("policies:save"), {"campaign": campaign.pk, **AI_AT_HALF, "note": "why"}
    )
    scenario = PolicyScenario.objects.get()
    assert response.status_code == 302 and response.url == reverse("policies:scenario", args=[scenario.pk])
    assert (scenario.created_by, scenario.base, scenario.ai_threshold, scenario.note) == (
        coordinator,
        "ai_second_reader",
        0.5,
        "why",
    )
    assert scenario.results["projected"]["recall_rate"]["numerator"] == 19
    assert scenario.results["real"]["workload"]["reads"] == 106
    event = AuditEvent.objects.filter(object_type="policy_scenario").get()
    assert event.detail["policy"]["ai_threshold"] == 0.5 and event.actor_username == coordinator.username


def test_an_admin_applies_a_scenario_and_the_campaign_records_it(admin_user, admin_client_, world):
    campaign = world["campaign"]
    scenario = _scenario(admin_user, campaign)
    page = admin_client_.get(reverse("policies:scenario", args=[scenario.pk]))
    assert b"Apply to the campaign" in page.content
    response = admin_client_.post(reverse("policies:apply", args=[scenario.pk]), {"reason": "fewer reads"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.reading_policy == ReadingPolicy.AI_SECOND_READER
    assert campaign.ai_high_suspicion_threshold == 0.45
    application = scenario.applications.get()
    assert application.applied_by == admin_user and application.reason == "fewer reads"
    assert application.changes == {
        "reading_policy": ["double_blind", "ai_second_reader"],
        "ai_high_suspicion_threshold": [0.5, 0.45],
    }
    change = campaign.settings_changes.get()
    assert change.actor == admin_user and change.changes["ai_high_suspicion_threshold"] == [0.5, 0.45]
    assert AuditEvent.objects.filter(object_type="policy_scenario", action="change").count() == 1


@pytest.mark.parametrize("role", ["coordinator", "radiologist", "auditor"])
def test_only_administrators_apply(role, request, admin_user, world):
    user = request.getfixturevalue(role)
    client = request.getfixturevalue(f"{role}_client")
    scenario = _scenario(admin_user, world["campaign"])
    response = client.post(reverse("policies:apply", args=[scenario.pk]), {"reason": "try"})
    assert response.status_code in (302, 403) and not scenario.applications.exists()
    with pytest.raises(PermissionDenied):
        scenario_apply(actor=Actor.for_user(user), scenario=scenario, reason="try")
    api = client.post(reverse("policies-scenario-apply", args=[scenario.pk]), {"reason": "try"})
    assert api.status_code == 403
    world["campaign"].refresh_from_db()
    assert world["campaign"].reading_policy == ReadingPolicy.DOUBLE_BLIND


def test_a_triage_or_in_force_scenario_is_evidence_only(admin_user, world):
    triage = _scenario(admin_user, world["campaign"], Policy(triage_below=0.2))
    in_force = _scenario(admin_user, world["campaign"], Policy())
    for scenario in (triage, in_force):
        with pytest.raises(ValidationError):
            scenario_apply(actor=Actor.for_user(admin_user), scenario=scenario, reason="try")
    with pytest.raises(PermissionDenied):
        scenario_save(actor=Actor.for_user(world["readers"][0]), campaign=world["campaign"], policy=Policy())


def test_the_api_simulates_saves_lists_and_applies(admin_user, admin_client_, world):
    campaign = world["campaign"]
    simulated = admin_client_.get(reverse("policies-simulate"), {"campaign": campaign.pk, **AI_AT_HALF})
    body = simulated.json()
    assert body["projected"]["recall_rate"]["numerator"] == 19 and len(body["curve"]) == 101
    assert (
        body["real"]
        == admin_client_.get(reverse("policies-simulate"), {"campaign": campaign.pk}).json()["projected"]
    )
    saved = admin_client_.post(
        reverse("policies-scenarios"),
        {"campaign": campaign.pk, **AI_AT_HALF},
        content_type="application/json",
    )
    assert saved.status_code == 201
    scenario_id = saved.json()["id"]
    assert [s["id"] for s in admin_client_.get(reverse("policies-scenarios")).json()] == [scenario_id]
    applied = admin_client_.post(
        reverse("policies-scenario-apply", args=[scenario_id]),
        {"reason": "board"},
        content_type="application/json",
    )
    assert applied.status_code == 200 and applied.json()["applications"][0]["reason"] == "board"


def test_radiologists_cannot_open_the_simulator(radiologist_client, world):
    assert radiologist_client.get(reverse("policies:simulator")).status_code == 403
    assert (
        radiologist_client.get(reverse("policies-simulate"), {"campaign": world["campaign"].pk}).status_code
        == 403
    )
