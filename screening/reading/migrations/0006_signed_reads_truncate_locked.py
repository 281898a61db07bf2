"""Signed opinions and their findings refuse TRUNCATE too on PostgreSQL: TRUNCATE passes the row
triggers of 0002 (UPDATE, DELETE). A statement trigger fires for a table a cascade reaches, so
`TRUNCATE reading_readslot CASCADE` is refused as well."""

from django.db import migrations

LOCKED_TABLES = ["reading_readopinion", "reading_readfinding"]


def lock_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in LOCKED_TABLES:  # the function is 0002's: it raises whatever the operation
            cursor.execute(
                f"CREATE TRIGGER {table}_truncate_locked BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION reading_refuse_change_of_signed_row()"
            )


def unlock_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in LOCKED_TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_truncate_locked ON {table}")


class Migration(migrations.Migration):
    dependencies = [("reading", "0005_read_slot_claim_ai_shown")]

    operations = [migrations.RunPython(lock_truncate, unlock_truncate)]
