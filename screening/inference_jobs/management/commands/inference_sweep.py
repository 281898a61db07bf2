"""Re-dispatch inference jobs whose lease expired or whose message was lost (also run by celery beat)."""

from typing import Any

from django.core.management.base import BaseCommand

from screening.inference_jobs.job_sweeper import jobs_sweep


class Command(BaseCommand):
    help = "Re-dispatch inference jobs whose lease expired or whose message never started."

    def handle(self, *args: Any, **options: Any) -> None:
        report = jobs_sweep()
        self.stdout.write(
            f"lease expired: {report.lease_expired}, message lost: {report.message_lost}, "
            f"never dispatched: {report.undispatched}"
        )
