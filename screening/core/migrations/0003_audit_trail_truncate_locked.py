"""The audit trail refuses TRUNCATE on PostgreSQL (a statement trigger: TRUNCATE passes row
triggers and would empty the trail and restart its chain). Rows are appended by the services only;
an edited or deleted row breaks the hash chain (`verify_audit_chain`)."""

from django.db import migrations

from screening.core.table_locks import truncate_lock, truncate_unlock

LOCKED_TABLES = ["core_auditevent", "core_auditchainhead"]
FUNCTION = "core_refuse_truncate_of_audit_trail"


def lock(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'the audit trail is locked: % of % refused', TG_OP, TG_TABLE_NAME; "
                "END; $$ LANGUAGE plpgsql"
            )
    truncate_lock(schema_editor, tables=LOCKED_TABLES, function=FUNCTION)


def unlock(apps, schema_editor):
    truncate_unlock(schema_editor, tables=LOCKED_TABLES)
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_role_groups_and_chain_head")]

    operations = [migrations.RunPython(lock, unlock)]
