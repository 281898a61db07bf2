"""`manage.py verify_audit_chain`: OK, or the first broken event (exit status 1)."""

from django.core.management.base import BaseCommand, CommandError

from screening.core.audit_selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain."

    def handle(self, *args: object, **options: object) -> None:
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(str(report))
        self.stdout.write(self.style.SUCCESS(str(report)))
