"""A what-if scenario run on a campaign's history: the real figures, the replayed ones, and the
curve over the scenario's threshold with the chosen point; and the saved scenarios a user may see."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from screening.campaigns.models import Campaign
from screening.policies.history_selectors import campaign_history, simulated_campaigns
from screening.policies.models import PolicyScenario
from screening.policies.policy_figures import ReplayFigures, replay_figures
from screening.policies.policy_replay import History, Policy, policy_replay, replay_counts
from screening.policies.scenario_chart import curve_chart
from screening.statistics.dashboard_charts import Chart
from screening.statistics.maths.disclosure import count_is_small, disclosed

CURVE_THRESHOLDS = np.round(np.linspace(0.0, 1.0, 101), 2)


@dataclass(frozen=True)
class ScenarioResult:
    """A policy replayed on a campaign's history beside the history's real figures."""

    campaign: Campaign
    policy: Policy
    episodes: int | str
    kept: int | str  # episodes whose signed reads do not rebuild their recorded result
    real: ReplayFigures
    projected: ReplayFigures
    varied: str  # the threshold the curve sweeps ("" when the policy has none)
    chart: Chart | None

    def results(self) -> dict[str, Any]:
        """What a saved scenario keeps: the figures as shown."""
        return {
            "episodes": self.episodes,
            "kept": self.kept,
            "real": self.real.as_dict(),
            "projected": self.projected.as_dict(),
        }


def varied_threshold(policy: Policy) -> str:
    """The threshold the curve sweeps: t, else t1, else t2; "" for the policy in force alone."""
    for name in ("ai_threshold", "triage_below", "safety_net_at"):
        if getattr(policy, name) is not None:
            return name
    return ""


def _curve(history: History, policy: Policy, varied: str, projected: ReplayFigures) -> Chart | None:
    cancers, negatives = int((history.truth == 1).sum()), int((history.truth == 0).sum())
    if not varied or count_is_small(cancers) or count_is_small(negatives):
        return None
    return curve_chart(history, policy, varied, CURVE_THRESHOLDS, projected)


def scenario_run(
    *, user: Any, campaign: Campaign, policy: Policy, today: date | None = None
) -> ScenarioResult:
    """Replay `policy` on the campaign's decided episodes (one query, vectorised)."""
    history = campaign_history(user=user, campaign=campaign, today=today)
    replay = policy_replay(history, policy)
    real = replay_figures(replay_counts(history.truth, history.recalled, history.reads))
    projected = replay_figures(replay_counts(history.truth, replay.recalled, replay.reads))
    varied = varied_threshold(policy)
    return ScenarioResult(
        campaign=campaign,
        policy=policy,
        episodes=disclosed(len(history)),
        kept=disclosed(replay.kept),
        real=real,
        projected=projected,
        varied=varied,
        chart=_curve(history, policy, varied, projected),
    )


def scenarios_visible(*, user: Any) -> Any:
    """The saved scenarios of the campaigns the user may replay, newest first."""
    campaigns = simulated_campaigns(user=user).order_by().values("pk")
    return PolicyScenario.objects.filter(campaign_id__in=campaigns).select_related("campaign", "created_by")


def scenario_get(*, user: Any, scenario_id: int) -> PolicyScenario | None:
    """A saved scenario, with its applications, if the user may see its campaign."""
    return (
        scenarios_visible(user=user)
        .prefetch_related("applications__applied_by")
        .filter(pk=scenario_id)
        .first()
    )


def campaign_get(*, user: Any, campaign_id: int) -> Campaign | None:
    """A campaign the user may replay."""
    return simulated_campaigns(user=user).filter(pk=campaign_id).first()
