"""Episodes get a DICOM Accession Number (the modality worklist's), existing ones included."""

from django.db import migrations, models
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat


def accession_numbers_backfill(apps, schema_editor):
    """Number every existing episode as `accession_numbers.accession_number_of` does."""
    episode = apps.get_model("campaigns", "Episode")
    episode.objects.filter(accession_number__isnull=True).update(
        accession_number=Concat(Value("SC"), Cast(F("id"), CharField()))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0006_episode_event_results_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="episode",
            name="accession_number",
            field=models.CharField(blank=True, max_length=16, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="episode",
            index=models.Index(
                condition=models.Q(("status__in", ["invited", "attended"])),
                fields=["invited_at"],
                name="episode_worklist_by_date",
            ),
        ),
        migrations.RunPython(accession_numbers_backfill, migrations.RunPython.noop),
    ]
