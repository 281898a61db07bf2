"""The audit trail refuses TRUNCATE on PostgreSQL (a statement trigger: TRUNCATE passes row
triggers and would empty the trail and restart its chain). Rows are appended by the services only;
an edited or deleted row breaks the hash chain (`verify_audit_chain`)."""

from django.db import migrations

LOCKED_TABLES = ["core_auditevent", "core_auditchainhead"]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION core_refuse_truncate_of_audit_trail() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is locked: % of % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def lock_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(POSTGRES_FUNCTION)
        for table in LOCKED_TABLES:
            cursor.execute(
                f"CREATE TRIGGER {table}_truncate_locked BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION core_refuse_truncate_of_audit_trail()"
            )


def unlock_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in LOCKED_TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_truncate_locked ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS core_refuse_truncate_of_audit_trail()")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_role_groups_and_chain_head")]

    operations = [migrations.RunPython(lock_truncate, unlock_truncate)]
