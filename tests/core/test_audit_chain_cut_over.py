"""The cut-over to the keyed chain (migration 0004), and the database's own locks on PostgreSQL."""

import importlib

import pytest
from django.apps import apps
from django.db import connection, transaction

from screening.core.audit_selectors import audit_chain_verify
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditChainHead, AuditEvent
from tests.core.audit_tampering import as_database_owner, delete_events_after, rewind_head

pytestmark = pytest.mark.django_db
keyed = importlib.import_module("screening.core.migrations.0004_keyed_audit_chain_and_api_tokens")


@pytest.fixture
def chain(coordinator_actor) -> list[AuditEvent]:
    return [
        audit_record(actor=coordinator_actor, action=AuditAction.VIEW, object_type="patient", object_id=n)
        for n in range(1, 5)
    ]


def test_an_unkeyed_chain_is_re_keyed_and_then_verifies(chain):
    with as_database_owner():
        keyed.unkey(apps, None)  # as the chain was before the migration
    assert not audit_chain_verify().ok
    with as_database_owner():
        keyed.rekey(apps, None)
    report = audit_chain_verify()
    assert report.ok and report.events_checked == 4


def test_a_tampered_unkeyed_chain_is_not_re_keyed(chain):
    with as_database_owner():
        keyed.unkey(apps, None)
        AuditEvent.objects.filter(sequence=2).update(object_id="999")
    with pytest.raises(RuntimeError, match="#2 does not verify"), as_database_owner():
        keyed.rekey(apps, None)


def test_an_unkeyed_chain_cut_short_with_its_head_left_is_not_re_keyed(chain):
    with as_database_owner():
        keyed.unkey(apps, None)
        delete_events_after(3)
    with pytest.raises(RuntimeError, match="head disagrees"), as_database_owner():
        keyed.rekey(apps, None)


def _refused(change) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the row locks of the audit trail are PostgreSQL triggers")
    with pytest.raises(Exception, match="the audit trail is locked"), transaction.atomic():
        change()


def test_postgresql_refuses_to_update_an_event(chain):
    _refused(lambda: AuditEvent.objects.filter(sequence=2).update(object_id="999"))


def test_postgresql_refuses_to_delete_an_event(chain):
    _refused(lambda: delete_events_after(3))


def test_postgresql_refuses_to_rewind_or_delete_the_head(chain):
    _refused(lambda: rewind_head(3, chain[2].hash))
    _refused(lambda: AuditChainHead.objects.filter(pk=1)._raw_delete(connection.alias))
    assert AuditChainHead.objects.get(pk=1).sequence == 4
