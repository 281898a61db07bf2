"""What the monitoring page and API read: the weekly summaries of one model version at one site with
their figures, and the alerts. Aggregates and alert rows only: no participant is identified."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from screening.monitoring.card_baselines import CardBaseline, card_baselines
from screening.monitoring.drift_figures import (
    HeaderMixWeek,
    ScoreDriftWeek,
    header_mix_weeks,
    score_drift_weeks,
)
from screening.monitoring.models import (
    OPEN_STATUSES,
    AlertStatus,
    HeaderAttribute,
    HeaderWeek,
    MonitoringAlert,
    OutcomeWeek,
    ScoreWeek,
)
from screening.monitoring.outcome_cusum import CusumChart, cusum_charts

RECENT_CLOSED = 20


def may_see_monitoring(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm("monitoring.view_monitoring"))


def _checked(user: Any) -> None:
    if not may_see_monitoring(user):
        raise PermissionDenied("The AI monitoring is for auditors and administrators.")


@dataclass(frozen=True)
class MonitoringView:
    """One model version at one site: drift and CUSUM figures, the site's header mix, the alerts."""

    model_keys: tuple[str, ...]
    sites: tuple[str, ...]
    model_key: str
    site: str
    baseline: CardBaseline | None
    score_weeks: list[ScoreDriftWeek]
    header_weeks: dict[str, list[HeaderMixWeek]]
    charts: list[CusumChart]
    open_alerts: list[MonitoringAlert]
    closed_alerts: list[MonitoringAlert]


def monitoring_choices(*, user: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The model versions and sites that have weekly summaries."""
    _checked(user)
    models = set(ScoreWeek.objects.values_list("model_key", flat=True).distinct())
    models |= set(OutcomeWeek.objects.values_list("model_key", flat=True).distinct())
    sites = set(ScoreWeek.objects.values_list("site", flat=True).distinct())
    sites |= set(HeaderWeek.objects.values_list("site", flat=True).distinct())
    sites |= set(OutcomeWeek.objects.values_list("site", flat=True).distinct())
    return tuple(sorted(models)), tuple(sorted(sites))


def alerts_visible(*, user: Any, status: str = "") -> QuerySet[MonitoringAlert]:
    """Alerts, newest first, optionally of one status."""
    _checked(user)
    alerts = MonitoringAlert.objects.select_related("acknowledged_by", "closed_by")
    return alerts.filter(status=status) if status else alerts.all()


def alert_get(*, user: Any, pk: int) -> MonitoringAlert:
    """One alert (DoesNotExist when there is none)."""
    return alerts_visible(user=user).get(pk=pk)


def monitoring_view(
    *, user: Any, model_key: str = "", site: str = "", headers: bool = True
) -> MonitoringView:
    """The page's figures for one model version and site (the first of each when none is asked);
    without `headers`, no header mix (the API's drift answer has none)."""
    model_keys, sites = monitoring_choices(user=user)
    model_key = model_key if model_key in model_keys else (model_keys[0] if model_keys else "")
    site = site if site in sites else (sites[0] if sites else "")
    baseline = card_baselines().get(model_key)
    by_attribute: dict[str, list[HeaderWeek]] = defaultdict(list)
    for row in HeaderWeek.objects.filter(site=site) if headers else ():
        by_attribute[row.attribute].append(row)
    alerts = alerts_visible(user=user)
    return MonitoringView(
        model_keys=model_keys,
        sites=sites,
        model_key=model_key,
        site=site,
        baseline=baseline,
        score_weeks=score_drift_weeks(ScoreWeek.objects.filter(model_key=model_key, site=site), baseline),
        header_weeks={
            attribute: header_mix_weeks(by_attribute[attribute])
            for attribute in HeaderAttribute.values
            if by_attribute[attribute]
        },
        charts=cusum_charts(OutcomeWeek.objects.filter(model_key=model_key, site=site), baseline),
        open_alerts=list(alerts.filter(status__in=OPEN_STATUSES)),
        closed_alerts=list(alerts.filter(status=AlertStatus.CLOSED)[:RECENT_CLOSED]),
    )
