"""Person Names stored one character per value are put back together.

Intake used to read a single-valued Person Name (PatientName, the only PN attribute stored: on
``Study.dicom_patient_name``; instances and series hold no names) by iterating it, which walks
its characters, and joined them with backslashes: ``Taylor^Ann`` was stored as
``T\\a\\y\\l\\o\\r\\^\\A\\n\\n``. A multi-valued name went through the other branch and was stored
right (``Smith^John\\Smyth^Jon``), so a backslash alone proves nothing.

The rule: a stored value is in the broken form when it holds a backslash and every piece
between backslashes is at most one character long; it is repaired by joining the pieces. Why
empty pieces count: the join was stripped (a leading or trailing space of the name left its
backslash behind) and non-printable characters were dropped (leaving two backslashes side by
side); the repair gives what intake now stores for the same name. The only real values the rule
would misread are several names of one character each (``A\\B``), which no modality sends for a
person. A broken value was cut at 200 characters, so of a name longer than 100 characters only
its first 100 survive; the received file still holds the whole name.
"""

from typing import Any

from django.db import migrations

BATCH_SIZE = 500


def person_name_repaired(stored: str) -> str:
    """The name a value in the broken one-character-per-value form stood for; other values as they are."""
    pieces = stored.split("\\")
    if len(pieces) < 2 or any(len(piece) > 1 for piece in pieces):
        return stored
    return "".join(pieces).strip()


def _names_repair(apps: Any, schema_editor: Any) -> None:
    study_model = apps.get_model("imaging", "Study")
    broken = []
    rows = study_model.objects.filter(dicom_patient_name__contains="\\").only("pk", "dicom_patient_name")
    for study in rows.iterator(chunk_size=BATCH_SIZE):
        repaired = person_name_repaired(study.dicom_patient_name)
        if repaired != study.dicom_patient_name:
            study.dicom_patient_name = repaired
            broken.append(study)
    study_model.objects.bulk_update(broken, ["dicom_patient_name"], batch_size=BATCH_SIZE)


class Migration(migrations.Migration):
    dependencies = [
        ("imaging", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_names_repair, migrations.RunPython.noop, elidable=True),
    ]
