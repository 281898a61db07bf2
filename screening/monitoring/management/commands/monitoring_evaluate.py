"""`manage.py monitoring_evaluate`: rebuild the weekly summaries and raise or keep alerts (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from screening.core.actors import Actor
from screening.monitoring.alert_services import monitoring_evaluate


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        summary = monitoring_evaluate(actor=Actor.system("monitoring_evaluate"))
        counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in summary.summaries.items())
        self.stdout.write(
            f"{counts}; {summary.findings} findings, {summary.raised} alerts raised, "
            f"{summary.kept_open} kept open"
        )
