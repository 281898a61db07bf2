"""Signed opinions and their findings are locked in the database too: updates (and, on PostgreSQL,
deletes) are refused by triggers. SQLite keeps deletes possible so test databases can be flushed."""

from django.db import migrations

LOCKED_TABLES = ["reading_readopinion", "reading_readfinding"]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION reading_refuse_change_of_signed_row() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'signed reads are locked: % of % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def lock_tables(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            for table in LOCKED_TABLES:
                cursor.execute(
                    f"CREATE TRIGGER {table}_locked BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION reading_refuse_change_of_signed_row()"
                )
        elif connection.vendor == "sqlite":
            for table in LOCKED_TABLES:
                cursor.execute(
                    f"CREATE TRIGGER {table}_locked BEFORE UPDATE ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'signed reads are locked'); END"
                )


def unlock_tables(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in LOCKED_TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_locked ON {table}")
            elif connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_locked")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS reading_refuse_change_of_signed_row()")


class Migration(migrations.Migration):
    dependencies = [("reading", "0001_initial")]

    operations = [migrations.RunPython(lock_tables, unlock_tables)]
