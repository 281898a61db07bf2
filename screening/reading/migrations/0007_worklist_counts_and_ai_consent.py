"""The worklist counts its rows (the band counters go), and open reads of participants whose AI
consent stands withdrawn lose their AI band (the services keep it so from now on)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

NO_AI_RANK = 3


def withdrawn_participants_lose_their_ai_band(apps, schema_editor):
    ConsentEvent = apps.get_model("patients", "ConsentEvent")
    ReadSlot = apps.get_model("reading", "ReadSlot")
    latest = ConsentEvent.objects.filter(
        patient=OuterRef("episode__patient_id"), scope="ai_reading"
    ).order_by("-occurred_at", "-id")
    withdrawn = (
        ReadSlot.objects.filter(status="open")
        .annotate(last_action=Subquery(latest.values("action")[:1]))
        .filter(last_action="withdrawn")
        .values("pk")
    )
    ReadSlot.objects.filter(pk__in=list(withdrawn)).update(
        band_rank=NO_AI_RANK, ai_score=None, score_rank=0.0
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
        ("reading", "0006_signed_reads_truncate_locked"),
    ]

    operations = [
        migrations.DeleteModel(name="WorklistBandCount"),
        migrations.RunPython(withdrawn_participants_lose_their_ai_band, migrations.RunPython.noop),
    ]
