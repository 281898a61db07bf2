"""The modality worklist's name key (family name prefix, any case) gets an index on PostgreSQL:
Django asks `UPPER("family_name"::text) LIKE UPPER('ASH%')`, which the plain index on the column
cannot serve (a parallel scan of every participant: docs/benchmarks.md). text_pattern_ops lets a
prefix LIKE use it whatever the database's collation. SQLite has no operator classes; nothing there."""

from django.db import migrations

INDEX = "patient_family_name_upper_prefix"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON patients_patient "
            "(UPPER(family_name::text) text_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_participantattribute")]

    operations = [migrations.RunPython(create, drop)]
