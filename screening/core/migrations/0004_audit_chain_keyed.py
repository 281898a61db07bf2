"""The audit chain becomes keyed (HMAC-SHA256 under AUDIT_CHAIN_KEY, held outside the database), and
on PostgreSQL the trail refuses UPDATE and DELETE of its events and its head moves only forward.

Cut-over: the existing chain is verified as it was hashed before (plain SHA-256); a chain that does
not verify is refused, since re-keying it would hide the damage. A verified chain is re-hashed under
the key from its first event on, so the whole trail verifies one way afterwards.
"""

import hashlib

from django.db import migrations

from screening.core.audit_chain import GENESIS_HASH, chain_hash, payload_of_event
from screening.core.audit_key import audit_chain_key

FUNCTION = "core_refuse_truncate_of_audit_trail"  # 0003's: raises "the audit trail is locked"
BATCH = 2000


def _unkeyed(prev_hash: str, payload: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()


def _keyed(prev_hash: str, payload: str) -> str:
    return chain_hash(audit_chain_key(), prev_hash, payload)


def _rehash(apps, was, becomes):
    """Verify the chain as `was` hashed it, then store it as `becomes` hashes it."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    old_prev, new_prev, expected, batch = GENESIS_HASH, GENESIS_HASH, 1, []
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=BATCH):
        payload = payload_of_event(event)
        if (event.sequence, event.prev_hash, event.hash) != (expected, old_prev, was(old_prev, payload)):
            raise RuntimeError(
                f"Audit event #{event.sequence} does not verify; re-keying the chain would hide it. "
                "Investigate with verify_audit_chain on the release before this migration."
            )
        old_prev, expected = event.hash, expected + 1
        event.prev_hash, event.hash = new_prev, becomes(new_prev, payload)
        new_prev = event.hash
        batch.append(event)
        if len(batch) >= BATCH:
            AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None:
        if (head.sequence, head.hash) != (expected - 1, old_prev):
            raise RuntimeError("The audit chain head disagrees with the newest event; not re-keyed.")
        head.hash = new_prev
        head.save(update_fields=["hash"])


def rekey(apps, schema_editor):
    _rehash(apps, _unkeyed, _keyed)


def unkey(apps, schema_editor):
    _rehash(apps, _keyed, _unkeyed)


def lock(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER core_auditevent_locked BEFORE UPDATE OR DELETE ON core_auditevent "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
        cursor.execute(
            "CREATE TRIGGER core_auditchainhead_locked BEFORE DELETE ON core_auditchainhead "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
        # The head moves forward only: rewinding it over removed events is refused.
        cursor.execute(
            "CREATE TRIGGER core_auditchainhead_forward BEFORE UPDATE ON core_auditchainhead "
            f"FOR EACH ROW WHEN (NEW.sequence <= OLD.sequence) EXECUTE FUNCTION {FUNCTION}()"
        )


def unlock(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_locked ON core_auditevent")
        cursor.execute("DROP TRIGGER IF EXISTS core_auditchainhead_locked ON core_auditchainhead")
        cursor.execute("DROP TRIGGER IF EXISTS core_auditchainhead_forward ON core_auditchainhead")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_trail_truncate_locked")]

    operations = [migrations.RunPython(rekey, unkey), migrations.RunPython(lock, unlock)]
