"""`manage.py audit_checkpoint`: append a signed checkpoint of the audit chain's head now (for cron,
or after raising AUDIT_CHECKPOINT_EVERY, so the newest events are covered too)."""

from django.core.management.base import BaseCommand

from screening.core.audit_checkpoints import checkpoint_append
from screening.core.audit_selectors import audit_chain_head


class Command(BaseCommand):
    help = "Write a signed checkpoint of the audit chain's head outside the database."

    def handle(self, *args: object, **options: object) -> None:
        sequence, hash_ = audit_chain_head()
        checkpoint_append(sequence=sequence, hash_=hash_)
        self.stdout.write(f"Checkpoint of audit event #{sequence} written.")
