"""TRUNCATE passes row triggers: signed reads, read decisions and the audit trail refuse it too
(PostgreSQL); read decisions refuse UPDATE (and DELETE on PostgreSQL) like signed reads."""

import pytest
from django.db import connection, transaction

from screening.reading.models import EpisodeReadDecision, ReadRole
from tests.reading.conftest import breast_opinion, imaged_study, sign_read, slot_of

LOCKED = [
    "reading_readopinion",
    "reading_readfinding",
    "reading_episodereaddecision",
    "core_auditevent",
    "core_auditchainhead",
]


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the lock triggers on TRUNCATE are PostgreSQL's (SQLite has no TRUNCATE)")


@pytest.fixture
def signed(breast_campaign, readers):
    """A double-read study, both reads signed and concordant: opinions, findings and a decision."""
    study = imaged_study(breast_campaign)
    sign_read(readers[0], slot_of(study), breast_opinion(right="4"))
    return sign_read(readers[1], slot_of(study, ReadRole.SECOND), breast_opinion(right="4"))


def test_the_database_refuses_to_change_or_delete_a_read_decision(signed):
    decision = EpisodeReadDecision.objects.get()
    with pytest.raises(Exception, match="locked"), transaction.atomic():
        EpisodeReadDecision.objects.filter(pk=decision.pk).update(result="recall")
    if connection.vendor == "postgresql":
        with pytest.raises(Exception, match="locked"), transaction.atomic():
            EpisodeReadDecision.objects.filter(pk=decision.pk)._raw_delete(connection.alias)
    assert EpisodeReadDecision.objects.get().result == decision.result


def _truncate(table: str) -> None:
    postgresql_only()
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
        assert cursor.fetchone()[0] == 2
