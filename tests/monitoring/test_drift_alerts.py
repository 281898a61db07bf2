"""Generated histories: a degraded model, a shifted scanner mix or failing studies raise alerts, an
unchanged history does not (false alarms counted over seeds); evaluating is idempotent."""

import pytest

from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.core.roles import Role
from screening.monitoring.alert_services import alert_close, monitoring_evaluate
from screening.monitoring.models import AlertKind, AlertStatus, MonitoringAlert, ScoreWeek
from tests.factories import UserFactory
from tests.monitoring.monitoring_world import SHIFTED_SCANNERS, WeekPlan, history_write

SYSTEM = Actor.system("test")
DRIFT_KINDS = (AlertKind.SCORE_DRIFT, AlertKind.INPUT_MIX, AlertKind.INPUT_NEW_VALUE, AlertKind.FAILED_SHARE)


@pytest.fixture(autouse=True)
def _small_weeks(settings):
    settings.MONITORING_MIN_RESULTS = 100


def _kinds() -> list[str]:
    return sorted(MonitoringAlert.objects.values_list("kind", flat=True))


@pytest.mark.django_db
def test_unchanged_histories_raise_no_drift_alert_over_seeds():
    false_alarms = 0
    for seed in range(5):
        history_write([WeekPlan() for _ in range(6)], seed=seed, site=f"Site {seed}")
    monitoring_evaluate(actor=SYSTEM)
    false_alarms = MonitoringAlert.objects.filter(kind__in=DRIFT_KINDS).count()
    assert ScoreWeek.objects.count() == 5 * 6
    assert false_alarms == 0, f"{false_alarms} false alarms in 30 site-weeks: {_kinds()}"


@pytest.mark.django_db
def test_a_degraded_model_raises_one_score_drift_alert_covering_its_weeks():
    history_write([WeekPlan()] * 4 + [WeekPlan(degraded=True)] * 2, seed=11)

    summary = monitoring_evaluate(actor=SYSTEM)

    alert = MonitoringAlert.objects.get(kind=AlertKind.SCORE_DRIFT)
    assert summary.raised == 1
    assert (alert.week.isoformat(), alert.last_week.isoformat()) == ("2026-02-02", "2026-02-09")
    assert alert.value > 0.25 and alert.sample_size == 150
    assert alert.status == AlertStatus.RAISED and alert.model_key == "breast-demo:2.0.0"
    assert AuditEvent.objects.filter(action="monitoring_alert_raised", object_id=str(alert.pk)).exists()


@pytest.mark.django_db
def test_evaluating_twice_raises_nothing_new():
    history_write([WeekPlan()] * 3 + [WeekPlan(degraded=True)], seed=12)
    monitoring_evaluate(actor=SYSTEM)
    first = list(MonitoringAlert.objects.values_list("pk", "kind", "week", "last_week"))

    summary = monitoring_evaluate(actor=SYSTEM)

    assert summary.raised == 0 and summary.kept_open == 0
    assert list(MonitoringAlert.objects.values_list("pk", "kind", "week", "last_week")) == first


@pytest.mark.django_db
def test_a_shifted_scanner_mix_is_a_new_value_event_and_a_changed_mix_alert():
    history_write([WeekPlan()] * 4 + [WeekPlan(scanners=SHIFTED_SCANNERS)], seed=13)

    monitoring_evaluate(actor=SYSTEM)

    new_value = MonitoringAlert.objects.get(kind=AlertKind.INPUT_NEW_VALUE)
    assert new_value.subject == "manufacturer=FUJIFILM"
    mix = MonitoringAlert.objects.get(kind=AlertKind.INPUT_MIX)
    assert mix.subject == "manufacturer" and mix.value > 0.25
    assert not MonitoringAlert.objects.filter(kind=AlertKind.SCORE_DRIFT).exists()


@pytest.mark.django_db
def test_failed_studies_past_the_limit_raise_an_alert_with_the_share():
    history_write([WeekPlan(), WeekPlan(results=140, failed=20)], seed=14)

    monitoring_evaluate(actor=SYSTEM)

    alert = MonitoringAlert.objects.get(kind=AlertKind.FAILED_SHARE)
    assert alert.value == pytest.approx(20 / 160) and alert.sample_size == 160


@pytest.mark.django_db
def test_a_closed_alert_is_not_raised_again_for_its_weeks_but_a_later_breach_raises_a_new_one(settings):
    history_write([WeekPlan()] * 3 + [WeekPlan(degraded=True)], seed=15)
    monitoring_evaluate(actor=SYSTEM)
    admin = UserFactory(role=Role.ADMIN)
    alert_close(
        alert=MonitoringAlert.objects.get(kind=AlertKind.SCORE_DRIFT),
        actor=Actor.for_user(admin),
        note="Checked",
    )

    monitoring_evaluate(actor=SYSTEM)
    assert MonitoringAlert.objects.filter(kind=AlertKind.SCORE_DRIFT).count() == 1

    ScoreWeek.objects.all().delete()
    history_write([WeekPlan()] * 4 + [WeekPlan(degraded=True)], seed=16)  # a later week breaches
    monitoring_evaluate(actor=SYSTEM)
    weeks = sorted(MonitoringAlert.objects.filter(kind=AlertKind.SCORE_DRIFT).values_list("week", "status"))
    assert [str(w) for w, _ in weeks] == ["2026-01-26", "2026-02-02"]
    assert [s for _, s in weeks] == [AlertStatus.CLOSED, AlertStatus.RAISED]
