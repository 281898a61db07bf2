"""Signed opinions and their findings refuse TRUNCATE too on PostgreSQL: TRUNCATE passes the row
triggers of 0002 (UPDATE, DELETE). A statement trigger fires for a table a cascade reaches, so
`TRUNCATE reading_readslot CASCADE` is refused as well. The episode's read decisions (the clinical
record of each result the reads decided) are locked like signed reads: UPDATE refused (and DELETE
and TRUNCATE on PostgreSQL). The function is 0002's (it raises whatever the operation)."""

from django.db import migrations

from screening.core.table_locks import truncate_lock, truncate_unlock

FUNCTION = "reading_refuse_change_of_signed_row"
DECISIONS = "reading_episodereaddecision"
LOCKED_TABLES = ["reading_readopinion", "reading_readfinding", DECISIONS]


def lock(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TRIGGER {DECISIONS}_locked BEFORE UPDATE OR DELETE ON {DECISIONS} "
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER {DECISIONS}_locked BEFORE UPDATE ON {DECISIONS} "
                "BEGIN SELECT RAISE(ABORT, 'signed reads are locked'); END"
            )
    truncate_lock(schema_editor, tables=LOCKED_TABLES, function=FUNCTION)


def unlock(apps, schema_editor):
    truncate_unlock(schema_editor, tables=LOCKED_TABLES)
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {DECISIONS}_locked ON {DECISIONS}")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {DECISIONS}_locked")


class Migration(migrations.Migration):
    dependencies = [("reading", "0005_read_slot_claim_ai_shown"), ("core", "0003_audit_trail_truncate_locked")]

    operations = [migrations.RunPython(lock, unlock)]
