"""Evaluate the monitoring and keep its alerts: raised once per finding, kept open while it holds,
acknowledged with a note by a named person, closed. Every change is audited; nothing is emailed.

A finding (kind, model version, site, subject, week) is covered by an alert of the same kind,
model, site and subject whose weeks (`week` to `last_week`) include it, whatever its status, so
evaluating twice changes nothing and a closed alert is not raised again for the weeks it covered;
an open one grows to the latest week its finding holds.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.monitoring.card_baselines import card_baselines
from screening.monitoring.drift_figures import (
    Finding,
    header_findings,
    header_mix_weeks,
    score_drift_weeks,
    score_findings,
)
from screening.monitoring.models import (
    AlertStatus,
    HeaderWeek,
    MonitoringAlert,
    OutcomeWeek,
    ScoreWeek,
)
from screening.monitoring.outcome_cusum import cusum_charts, cusum_findings
from screening.monitoring.summary_services import summaries_rebuild

NOTE_MAX = 2000


@dataclass(frozen=True)
class EvaluationSummary:
    summaries: dict[str, int]
    findings: int
    raised: int
    kept_open: int


def findings_current() -> list[Finding]:
    """Every finding of the weekly summaries as they stand."""
    baselines = card_baselines()
    findings: list[Finding] = []
    scores: dict[tuple[str, str], list[ScoreWeek]] = defaultdict(list)
    for week in ScoreWeek.objects.all():
        scores[(week.model_key, week.site)].append(week)
    for (model_key, site), weeks in scores.items():
        findings += score_findings(model_key, site, score_drift_weeks(weeks, baselines.get(model_key)))
    headers: dict[tuple[str, str], list[HeaderWeek]] = defaultdict(list)
    for row in HeaderWeek.objects.all():
        headers[(row.site, row.attribute)].append(row)
    for (site, attribute), rows in headers.items():
        findings += header_findings(site, attribute, header_mix_weeks(rows))
    outcomes: dict[tuple[str, str], list[OutcomeWeek]] = defaultdict(list)
    for outcome in OutcomeWeek.objects.all():
        outcomes[(outcome.model_key, outcome.site)].append(outcome)
    for (model_key, site), outcome_weeks in outcomes.items():
        findings += cusum_findings(model_key, site, cusum_charts(outcome_weeks, baselines.get(model_key)))
    return sorted(findings, key=lambda f: (f.week, f.kind, f.model_key, f.site, f.subject))


def _covering(alerts: list[MonitoringAlert], finding: Finding) -> MonitoringAlert | None:
    for alert in alerts:
        if alert.week <= finding.week <= alert.last_week:
            return alert
    return None


@transaction.atomic
def monitoring_evaluate(*, actor: Actor) -> EvaluationSummary:
    """Rebuild the weekly summaries, then raise or keep an alert for every finding (idempotent)."""
    summaries = summaries_rebuild()
    findings = findings_current()
    now = timezone.now()
    existing: dict[tuple[str, str, str, str], list[MonitoringAlert]] = defaultdict(list)
    for alert in MonitoringAlert.objects.select_for_update().order_by("week"):
        existing[(alert.kind, alert.model_key, alert.site, alert.subject)].append(alert)
    raised: list[MonitoringAlert] = []
    kept: dict[int, MonitoringAlert] = {}
    for finding in findings:
        key = (finding.kind, finding.model_key, finding.site, finding.subject)
        alerts = existing[key]
        if _covering(alerts, finding):
            continue
        open_alert = next((a for a in alerts if a.is_open), None)
        if open_alert is not None:
            if finding.week > open_alert.last_week:
                open_alert.last_week, open_alert.value = finding.week, finding.value
                open_alert.sample_size, open_alert.detail = finding.sample_size, finding.detail[:500]
                if open_alert.pk is not None:
                    kept[open_alert.pk] = open_alert
            continue
        alert = MonitoringAlert(
            kind=finding.kind,
            model_key=finding.model_key,
            site=finding.site,
            subject=finding.subject,
            week=finding.week,
            last_week=finding.week,
            value=finding.value,
            limit=finding.limit,
            sample_size=finding.sample_size,
            detail=finding.detail[:500],
            raised_at=now,
            last_seen_at=now,
        )
        alerts.append(alert)
        raised.append(alert)
    MonitoringAlert.objects.bulk_create(raised)
    for alert in kept.values():
        alert.last_seen_at = now
        alert.save(
            update_fields=["last_week", "value", "sample_size", "detail", "last_seen_at", "updated_at"]
        )
    entries = [
        AuditEntry("monitoring_alert_raised", "monitoring_alert", alert.pk or "", detail={"kind": alert.kind})
        for alert in raised
    ]
    entries.append(
        AuditEntry(
            "monitoring_evaluated",
            "monitoring",
            detail={"findings": len(findings), "raised": len(raised), "kept_open": len(kept)},
        )
    )
    audit_record_many(actor=actor, entries=entries)
    return EvaluationSummary(
        summaries=summaries, findings=len(findings), raised=len(raised), kept_open=len(kept)
    )


def _note_checked(note: str) -> str:
    text = note.strip()
    if not text:
        raise ValidationError({"note": "Say what was looked at and decided."})
    if len(text) > NOTE_MAX:
        raise ValidationError({"note": f"At most {NOTE_MAX} characters."})
    return text


@transaction.atomic
def alert_acknowledge(*, alert: MonitoringAlert, actor: Actor, note: str) -> MonitoringAlert:
    """A named person has looked at a raised alert: who, when and their note are kept."""
    if actor.user is None or not actor.user.has_perm("monitoring.acknowledge_alert"):
        raise PermissionDenied("Only an auditor or administrator acknowledges a monitoring alert.")
    alert = MonitoringAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.RAISED:
        raise ValidationError({"status": f"This alert is {alert.get_status_display().lower()}, not raised."})
    alert.status, alert.acknowledged_by, alert.acknowledged_at = (
        AlertStatus.ACKNOWLEDGED,
        actor.user,
        timezone.now(),
    )
    alert.acknowledgement_note = _note_checked(note)
    alert.save(
        update_fields=["status", "acknowledged_by", "acknowledged_at", "acknowledgement_note", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="monitoring_alert_acknowledged",
        object_type="monitoring_alert",
        object_id=alert.pk,
    )
    return alert


@transaction.atomic
def alert_close(*, alert: MonitoringAlert, actor: Actor, note: str) -> MonitoringAlert:
    """Close an alert (raised or acknowledged) with its reason; a later breach raises a new one."""
    if actor.user is None or not actor.user.has_perm("monitoring.close_alert"):
        raise PermissionDenied("Only an administrator closes a monitoring alert.")
    alert = MonitoringAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.CLOSED:
        raise ValidationError({"status": "This alert is already closed."})
    alert.status, alert.closed_by, alert.closed_at = AlertStatus.CLOSED, actor.user, timezone.now()
    alert.close_note = _note_checked(note)
    alert.save(update_fields=["status", "closed_by", "closed_at", "close_note", "updated_at"])
    audit_record(
        actor=actor, action="monitoring_alert_closed", object_type="monitoring_alert", object_id=alert.pk
    )
    return alert
