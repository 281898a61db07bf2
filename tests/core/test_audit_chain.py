"""The tamper-evident audit chain: how it links, and that every kind of tampering is detected."""

import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from screening.core.actors import Actor
from screening.core.audit_chain import GENESIS_HASH, hash_of_event
from screening.core.audit_key import audit_chain_key
from screening.core.audit_selectors import audit_chain_verify
from screening.core.audit_services import STREAMED_APPEND, AuditEntry, audit_record, audit_record_many
from screening.core.models import AuditAction, AuditChainHead, AuditEvent, AuditOutcome
from tests.core.audit_tampering import as_database_owner

pytestmark = pytest.mark.django_db


def _append(actor: Actor, count: int) -> list[AuditEvent]:
    return [
        audit_record(actor=actor, action=AuditAction.VIEW, object_type="patient", object_id=n)
        for n in range(1, count + 1)
    ]


def _event(sequence: int) -> AuditEvent:
    return AuditEvent.objects.get(sequence=sequence)


def _verify_fails_at(sequence: int) -> None:
    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_sequence == sequence
    with pytest.raises(CommandError, match=f"BROKEN at event #{sequence} "):
        call_command("verify_audit_chain")


@pytest.fixture
def chain(coordinator_actor) -> list[AuditEvent]:
    """Five events, from the first."""
    return _append(coordinator_actor, 5)


def test_events_link_each_to_the_one_before(chain):
    stored = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(stored):
        assert after.prev_hash == before.hash
    assert all(hash_of_event(e, e.prev_hash, audit_chain_key()) == e.hash for e in stored)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.sequence, head.hash) == (5, stored[-1].hash)


def test_an_event_records_who_did_what_to_which_object(coordinator_actor):
    event = audit_record(
        actor=coordinator_actor,
        action=AuditAction.CHANGE,
        object_type="patient",
        object_id=42,
        detail={"fields": ["postcode"]},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_username == "coordinator"
    assert stored.actor_user_id == coordinator_actor.user.pk
    assert stored.role == "coordinator"
    assert (stored.action, stored.object_type, stored.object_id) == ("change", "patient", "42")
    assert stored.ip_address == "10.0.0.1"
    assert stored.outcome == AuditOutcome.SUCCESS
    assert stored.detail == {"fields": ["postcode"]}


def test_verify_audit_chain_reports_ok_on_an_intact_chain(chain, capsys):
    call_command("verify_audit_chain")
    assert "OK: 5 audit events, chain intact;" in capsys.readouterr().out


def test_an_empty_chain_verifies():
    assert audit_chain_verify().ok


def test_editing_an_event_is_detected(chain):
    with as_database_owner():
        AuditEvent.objects.filter(pk=_event(3).pk).update(object_id="x")
    _verify_fails_at(3)
    assert "contents do not match" in audit_chain_verify().reason


def test_editing_an_events_detail_is_detected(chain):
    with as_database_owner():
        AuditEvent.objects.filter(pk=_event(2).pk).update(detail={"fields": ["family_name"]})
    _verify_fails_at(2)


def test_editing_an_events_outcome_is_detected(chain):
    with as_database_owner():
        AuditEvent.objects.filter(pk=_event(4).pk).update(outcome=AuditOutcome.DENIED)
    _verify_fails_at(4)


def test_deleting_an_event_in_the_middle_is_detected(chain):
    with as_database_owner():
        _event(3).delete()
    _verify_fails_at(4)
    assert "missing event" in audit_chain_verify().reason


def test_deleting_the_first_event_is_detected(chain):
    with as_database_owner():
        _event(1).delete()
    _verify_fails_at(2)


def test_deleting_the_newest_event_is_detected(chain):
    with as_database_owner():
        _event(5).delete()
    _verify_fails_at(5)
    assert "newest events were removed" in audit_chain_verify().reason


def test_deleting_every_event_is_detected(chain):
    with as_database_owner():
        AuditEvent.objects.all().delete()
    _verify_fails_at(1)


def test_swapping_the_sequence_numbers_of_two_events_is_detected(chain):
    second, fourth = _event(2), _event(4)
    # Through a free number: sequence is unique.
    with as_database_owner():
        AuditEvent.objects.filter(pk=second.pk).update(sequence=1000)
        AuditEvent.objects.filter(pk=fourth.pk).update(sequence=2)
        AuditEvent.objects.filter(pk=second.pk).update(sequence=4)
    _verify_fails_at(2)


def test_swapping_the_contents_of_two_events_is_detected(chain):
    second, fourth = _event(2), _event(4)
    swapped = ["object_id", "prev_hash", "hash"]
    with as_database_owner():
        AuditEvent.objects.filter(pk=second.pk).update(**{f: getattr(fourth, f) for f in swapped})
        AuditEvent.objects.filter(pk=fourth.pk).update(**{f: getattr(second, f) for f in swapped})
    _verify_fails_at(2)


def test_rewriting_an_event_with_its_hash_recomputed_breaks_the_next_link(chain):
    third = _event(3)
    third.object_id = "999"
    new_hash = hash_of_event(third, third.prev_hash, audit_chain_key())
    with as_database_owner():
        AuditEvent.objects.filter(pk=third.pk).update(object_id="999", hash=new_hash)
    _verify_fails_at(4)
    assert "link" in audit_chain_verify().reason


def test_the_audit_trail_page_reports_a_broken_chain(chain, auditor_client):
    with as_database_owner():
        AuditEvent.objects.filter(pk=_event(2).pk).update(actor_username="someone-else")
    response = auditor_client.post("/audit/")
    assert response.status_code == 200
    assert "BROKEN at event #2" in response.content.decode()


def test_audit_record_many_writes_many_events_in_one_chain_step(coordinator_actor):
    audit_record(actor=coordinator_actor, action=AuditAction.LIST, object_type="patient")
    events = audit_record_many(
        actor=coordinator_actor,
        entries=[AuditEntry(AuditAction.CREATE, "episode", n) for n in range(1, 51)],
    )
    assert [e.sequence for e in events] == list(range(2, 52))
    assert len({e.occurred_at for e in events}) == 1
    assert AuditChainHead.objects.get(pk=1).sequence == 51
    assert audit_chain_verify().ok


def test_audit_record_many_with_nothing_to_record_writes_nothing(coordinator_actor):
    assert list(audit_record_many(actor=coordinator_actor, entries=[])) == []
    assert AuditEvent.objects.count() == 0
    assert audit_chain_verify().ok


def test_an_unnormalised_ipv6_address_still_verifies(coordinator):
    """The database normalises addresses; the hash must cover what is stored."""
    actor = Actor.for_user(coordinator, ip_address="2001:0DB8:0000:0000:0000:0000:0000:0001")
    audit_record(actor=actor, action=AuditAction.VIEW, object_type="patient", object_id=1)
    assert AuditEvent.objects.get().ip_address == "2001:db8::1"
    assert audit_chain_verify().ok


def test_detail_values_survive_the_database_round_trip(coordinator_actor):
    audit_record(
        actor=coordinator_actor,
        action=AuditAction.IMPORT,
        object_type="patient_import",
        object_id=7,
        detail={"rows": 3, "ratio": 0.5, "nested": {"b": [1, 2], "a": None}, "text": "é"},
    )
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_sequences_strictly_increasing(coordinator):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("an in-memory SQLite database is one connection")
    actor = Actor.for_user(coordinator, ip_address="10.0.0.2")
    errors: list[BaseException] = []

    def append_many() -> None:
        try:
            _append(actor, 10)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.sequence for e in stored] == list(range(1, 41))
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_a_streamed_bulk_append_keeps_the_chain_verifiable(coordinator_actor):
    entries = [
        AuditEntry(AuditAction.CREATE, "patient", n, detail={"import": 7, "consents_granted": ["screening"]})
        for n in range(STREAMED_APPEND + 5)
    ]
    audit_record_many(actor=coordinator_actor, entries=entries)
    audit_record(actor=coordinator_actor, action=AuditAction.VIEW, object_type="patient", object_id=1)

    assert AuditEvent.objects.count() == STREAMED_APPEND + 6
    assert audit_chain_verify().ok
