"""What a database administrator can do to the audit trail: change rows past the triggers."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from screening.core.models import AuditChainHead, AuditEvent


@contextmanager
def as_database_owner() -> Iterator[None]:
    """Run with the table owner's powers: on PostgreSQL the lock triggers are switched off (what an
    owner or superuser can do; the application's role cannot)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        yield


def rewind_head(sequence: int, hash_: str) -> None:
    AuditChainHead.objects.filter(pk=1).update(sequence=sequence, hash=hash_)


def delete_events_after(sequence: int) -> None:
    AuditEvent.objects.filter(sequence__gt=sequence)._raw_delete(connection.alias)
