"""Heat-map levels stored uncompressed on PostgreSQL (STORAGE EXTERNAL).

A map is 3-4 kB, over the size at which PostgreSQL compresses a value by default; compressing a CT
study's 64 maps cost the database about as much CPU as writing them, to save part of 256 kB (about
3 % of the study's DICOM files). Other databases: nothing to do.
"""

from django.db import migrations

TABLE_COLUMN = '"inference_jobs_inferenceimageresult" ALTER COLUMN "heatmap_levels"'


def _storage(strategy: str):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {TABLE_COLUMN} SET STORAGE {strategy}")

    return alter


class Migration(migrations.Migration):
    dependencies = [("inference_jobs", "0002_heatmap_levels")]

    operations = [migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"))]
