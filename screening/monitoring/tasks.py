"""Celery beat evaluates the monitoring (MONITORING_EVALUATE_SECONDS); safe to run twice."""

from celery import shared_task

from screening.core.actors import Actor
from screening.monitoring.alert_services import monitoring_evaluate


@shared_task(name="monitoring.monitoring_evaluate")
def monitoring_evaluate_task() -> dict[str, int]:
    """Rebuild the weekly summaries and raise or keep alerts."""
    summary = monitoring_evaluate(actor=Actor.system("monitoring_evaluate"))
    return {"findings": summary.findings, "raised": summary.raised, "kept_open": summary.kept_open}
