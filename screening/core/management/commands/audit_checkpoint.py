"""`manage.py audit_checkpoint`: append a signed checkpoint of the audit chain's head now (cron
where no celery beat runs; the beat runs the `core.audit_checkpoint` task)."""

from django.core.management.base import BaseCommand

from screening.core.audit_services import audit_head_checkpoint


class Command(BaseCommand):
    help = "Write a signed checkpoint of the audit chain's head outside the database."

    def handle(self, *args: object, **options: object) -> None:
        sequence = audit_head_checkpoint()
        self.stdout.write(f"Checkpoint of audit event #{sequence} written.")
