"""An append inside the caller's transaction: no savepoint, and on PostgreSQL two statements (the head
locked and read, then the events inserted with the head moved), so the head is held briefly."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from screening.core.audit_selectors import audit_chain_verify
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.models import AuditAction, AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def _statements(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def test_an_append_in_a_transaction_takes_no_savepoint(coordinator_actor):
    audit_record(actor=coordinator_actor, action=AuditAction.VIEW, object_type="patient", object_id=1)

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        entries = [AuditEntry(AuditAction.VIEW, "patient", n) for n in (2, 3)]
        events = audit_record_many(actor=coordinator_actor, entries=entries)

    assert not [sql for sql in _statements(queries) if "SAVEPOINT" in sql.upper()]
    if connection.vendor == "postgresql":
        assert len(_statements(queries)) == 2  # lock and read the head; insert the events and move it
    assert [event.pk for event in events] == list(
        AuditEvent.objects.filter(sequence__in=[2, 3]).order_by("sequence").values_list("pk", flat=True)
    )
    assert AuditChainHead.objects.get().sequence == 3
    assert audit_chain_verify().ok
