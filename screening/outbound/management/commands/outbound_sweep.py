"""Send the outbound jobs that are due and take back those whose worker vanished (the beat's sweep
does this too; without a broker, run it from cron to send the retries)."""

from typing import Any

from django.core.management.base import BaseCommand

from screening.outbound.job_sweeper import outbound_sweep


class Command(BaseCommand):
    help = "Send due outbound jobs (retries, lost messages) and requeue those whose worker vanished."

    def handle(self, *args: Any, **options: Any) -> None:
        sweep = outbound_sweep()
        self.stdout.write(f"{sweep.due} outbound job(s) sent again; {sweep.lease_expired} taken back.")
