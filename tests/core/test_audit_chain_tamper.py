"""A database administrator rewriting the audit trail: each attack is detected by verification."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from screening.core.audit_chain import GENESIS_HASH, hash_of_event
from screening.core.audit_key import audit_chain_key
from screening.core.audit_selectors import audit_chain_verify
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditEvent
from screening.core.tasks import audit_checkpoint
from tests.core.audit_tampering import as_database_owner, delete_events_after, rewind_head

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(coordinator_actor, django_capture_on_commit_callbacks) -> list[AuditEvent]:
    """Five events, each appended in its own committed transaction (checkpoints follow commits)."""
    events = []
    for n in range(1, 6):
        with django_capture_on_commit_callbacks(execute=True):
            events.append(
                audit_record(
                    actor=coordinator_actor, action=AuditAction.VIEW, object_type="patient", object_id=n
                )
            )
    return events


def _view(actor, n: int) -> AuditEvent:
    return audit_record(actor=actor, action=AuditAction.VIEW, object_type="patient", object_id=n)


def _attackers_hash(event: AuditEvent, prev_hash: str) -> str:
    """The project's own chain function, run by someone who has the database but not the key."""
    return hash_of_event(event, prev_hash, key=b"a guess at the audit key")


def _verify_fails(reason: str) -> None:
    report = audit_chain_verify()
    assert not report.ok
    assert reason in report.reason
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit_chain")


def test_deleting_the_newest_events_and_rewinding_the_head_is_detected(chain):
    with as_database_owner():
        delete_events_after(3)
        rewind_head(3, chain[2].hash)
    _verify_fails("newest events were removed")


def test_emptying_the_trail_and_resetting_the_head_is_detected(chain):
    with as_database_owner():
        delete_events_after(0)
        rewind_head(0, GENESIS_HASH)
    _verify_fails("newest events were removed")


def test_truncating_the_table_as_its_owner_and_resetting_the_head_is_detected(chain):
    with as_database_owner(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction defers its checks
            cursor.execute("TRUNCATE core_auditevent")
        else:
            cursor.execute("DELETE FROM core_auditevent")  # SQLite's truncate
        rewind_head(0, GENESIS_HASH)
    _verify_fails("records event #5, the chain ends at #0: newest events were removed")


def test_editing_an_event_and_recomputing_the_later_hashes_is_detected(chain):
    stored = list(AuditEvent.objects.order_by("sequence"))
    stored[2].object_id = "999"
    prev_hash = stored[1].hash
    with as_database_owner():
        for event in stored[2:]:
            event.prev_hash, event.hash = prev_hash, _attackers_hash(event, prev_hash)
            AuditEvent.objects.filter(pk=event.pk).update(
                object_id=event.object_id, prev_hash=event.prev_hash, hash=event.hash
            )
            prev_hash = event.hash
        rewind_head(5, prev_hash)
    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_sequence == 3


def test_truncating_then_letting_the_chain_grow_again_is_detected(chain, coordinator_actor):
    with as_database_owner():
        delete_events_after(3)
        rewind_head(3, chain[2].hash)
    for n in (40, 50):
        _view(coordinator_actor, n)
    _verify_fails("differs from its checkpoint")


def _checkpoint_lines(settings) -> list[str]:
    return settings.AUDIT_CHECKPOINT_PATH.read_text().splitlines()


def test_each_committed_append_writes_a_signed_checkpoint_and_verification_counts_them(chain, settings):
    lines = _checkpoint_lines(settings)
    assert [line.split()[:2] for line in lines] == [[str(e.sequence), e.hash] for e in chain]
    report = audit_chain_verify()
    assert report.ok and report.checkpoints_checked == 5


def test_a_rolled_back_append_writes_no_checkpoint(
    coordinator_actor, settings, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _view(coordinator_actor, 1)
        raise RuntimeError("the act fails")
    assert callbacks == [] and not settings.AUDIT_CHECKPOINT_PATH.exists()


def test_a_checkpoint_every_n_events(coordinator_actor, settings, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_EVERY = 3
    for n in range(1, 8):
        with django_capture_on_commit_callbacks(execute=True):
            _view(coordinator_actor, n)
    assert [line.split()[0] for line in _checkpoint_lines(settings)] == ["3", "6"]
    call_command("audit_checkpoint")
    assert _checkpoint_lines(settings)[-1].split()[0] == "7"
    assert audit_chain_verify().ok


def test_celery_beat_checkpoints_the_head_periodically(coordinator_actor, settings):
    assert settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]["task"] == "core.audit_checkpoint"
    settings.AUDIT_CHECKPOINT_EVERY = 100
    _view(coordinator_actor, 1)
    _view(coordinator_actor, 2)
    assert audit_checkpoint.delay().get() == 2
    assert _checkpoint_lines(settings)[-1].split()[:2] == ["2", AuditEvent.objects.get(sequence=2).hash]
    assert audit_chain_verify().checkpoints_checked == 1


def test_a_forged_checkpoint_line_is_reported(chain, settings):
    with settings.AUDIT_CHECKPOINT_PATH.open("a") as checkpoints:
        checkpoints.write(f"3 {chain[2].hash} 2026-01-01T00:00:00+00:00 {'0' * 64}\n")
    _verify_fails("checkpoint line 6 is not signed with the audit key")


def test_checkpoints_signed_with_another_key_do_not_verify(chain, settings):
    settings.AUDIT_CHAIN_KEY = "another-site-key"
    _verify_fails("checkpoint line 1 is not signed")


def test_a_checkpoint_that_cannot_be_written_is_logged_without_failing_the_act(
    coordinator_actor, settings, django_capture_on_commit_callbacks, caplog, tmp_path
):
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "a-file" / "checkpoints.log"
    (tmp_path / "a-file").write_text("not a folder")
    with django_capture_on_commit_callbacks(execute=True):
        _view(coordinator_actor, 1)
    assert "audit checkpoint #1 not written" in caplog.text
    assert AuditEvent.objects.count() == 1


def test_the_embedded_default_generates_its_key_once_into_a_private_file(settings, tmp_path):
    settings.AUDIT_CHAIN_KEY = ""
    settings.AUDIT_CHAIN_KEY_FILE = tmp_path / "audit_chain.key"
    key = audit_chain_key()
    assert len(key) >= 60
    assert settings.AUDIT_CHAIN_KEY_FILE.stat().st_mode & 0o777 == 0o600
    assert audit_chain_key() == key == settings.AUDIT_CHAIN_KEY_FILE.read_bytes().strip()
