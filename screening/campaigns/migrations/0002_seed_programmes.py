from django.db import migrations

from screening.campaigns.programme_definitions import programmes_seed


def seed(apps, schema_editor):
    programmes_seed(apps.get_model("campaigns", "Programme"))


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
