"""Signed opinions and their findings refuse TRUNCATE too on PostgreSQL: TRUNCATE passes the row
triggers of 0002 (UPDATE, DELETE). A statement trigger fires for a table a cascade reaches, so
`TRUNCATE reading_readslot CASCADE` is refused as well. The function is 0002's (it raises
whatever the operation)."""

from django.db import migrations

from screening.core.table_locks import truncate_lock, truncate_unlock

LOCKED_TABLES = ["reading_readopinion", "reading_readfinding"]


def lock(apps, schema_editor):
    truncate_lock(schema_editor, tables=LOCKED_TABLES, function="reading_refuse_change_of_signed_row")


def unlock(apps, schema_editor):
    truncate_unlock(schema_editor, tables=LOCKED_TABLES)


class Migration(migrations.Migration):
    dependencies = [("reading", "0005_read_slot_claim_ai_shown"), ("core", "0003_audit_trail_truncate_locked")]

    operations = [migrations.RunPython(lock, unlock)]
