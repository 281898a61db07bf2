from django.db import migrations

ROLES = ["coordinator", "radiologist", "auditor", "admin"]


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    apps.get_model("core", "AuditChainHead").objects.get_or_create(
        pk=1, defaults={"sequence": 0, "hash": "0" * 64}
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
