"""API tokens that expire (`ApiToken`, replacing rest_framework.authtoken, whose table is dropped:
its tokens never expired, so none survives), and the audit chain becomes keyed (HMAC-SHA256 under AUDIT_CHAIN_KEY, held outside the database), and
on PostgreSQL the trail refuses UPDATE and DELETE of its events and its head moves only forward.

Cut-over: the existing chain is verified as it was hashed before (plain SHA-256); a chain that does
not verify is refused, since re-keying it would hide the damage. A verified chain is re-hashed under
the key from its first event on, so the whole trail verifies one way afterwards.
"""

import hashlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

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


def drop_authtoken(apps, schema_editor):
    """rest_framework.authtoken left INSTALLED_APPS: its table and migration records go too."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS authtoken_token")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_trail_truncate_locked"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(rekey, unkey),
        migrations.RunPython(lock, unlock),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('prefix', models.CharField(help_text="The key's first characters, to recognise it.", max_length=8)),
                ('created_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('end_reason', models.CharField(blank=True, choices=[('revoked', 'Revoked'), ('logout', 'Its user logged out'), ('password_reset', "Its user's password was reset"), ('deactivated', 'Its user was deactivated')], max_length=16)),
                ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['user', 'revoked_at'], name='core_apitok_user_id_567ad5_idx')],
            },
        ),
        migrations.RunPython(drop_authtoken, migrations.RunPython.noop),
    ]
