"""TRUNCATE passes row triggers: signed reads and the audit trail refuse it too (PostgreSQL)."""

import pytest
from django.db import connection, transaction

from tests.reading.conftest import imaged_study, reader, sign_read, slot_of

LOCKED = ["reading_readopinion", "reading_readfinding", "core_auditevent", "core_auditchainhead"]


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the lock triggers on TRUNCATE are PostgreSQL's (SQLite has no TRUNCATE)")


@pytest.fixture
def signed(breast_campaign):
    study = imaged_study(breast_campaign)
    return sign_read(reader("truncator", breast_campaign), slot_of(study))


def _truncate(table: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction defers its checks
        cursor.execute(f"TRUNCATE {table} CASCADE")


@pytest.mark.parametrize("table", LOCKED)
def test_truncating_signed_reads_or_the_audit_trail_is_refused(signed, table):
    with pytest.raises(Exception, match="locked"):
        _truncate(table)


def test_a_cascade_from_the_read_slots_reaches_the_locked_opinions_and_is_refused(signed):
    with pytest.raises(Exception, match="locked"):
        _truncate("reading_readslot")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reading_readopinion")
        assert cursor.fetchone()[0] == 1
