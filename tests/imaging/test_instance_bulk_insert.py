"""Instance rows inserted together: taken keys skipped, every column kept as written, ids set."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pydicom.uid import generate_uid

from screening.core.bulk_insert import bulk_insert_new
from screening.imaging.batch_ingestion import intake_file_read
from screening.imaging.ingestion_services import IntakeFile, instances_ingest
from screening.imaging.intake_rows import instance_row
from screening.imaging.models import Instance, IntakeSource, Series
from tests.imaging.conftest import dicom_sample

pytestmark = pytest.mark.django_db


def _rows(series: Series, datas: list[bytes]) -> list[Instance]:
    metadata = [intake_file_read(IntakeFile(data=data)).metadata for data in datas]
    return [instance_row(series, item, IntakeSource.UPLOAD) for item in metadata]


def test_new_instance_rows_are_inserted_with_every_value_and_taken_keys_are_skipped(intake_actor):
    study_uid, series_uid = generate_uid(), generate_uid()
    first = dicom_sample(study_uid=study_uid, series_uid=series_uid)
    instances_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, files=[IntakeFile(data=first)])
    series = Series.objects.get(series_instance_uid=series_uid)
    datas = [first] + [
        dicom_sample(study_uid=study_uid, series_uid=series_uid, InstanceNumber=index)
        for index in range(2, 5)
    ]
    rows = _rows(series, datas)
    rows[1].pixel_spacing, rows[1].slice_location, rows[1].burned_in_annotation = [0.5, 0.25], None, True

    inserted = bulk_insert_new(Instance, rows, unique_field="sop_instance_uid")

    assert sorted(inserted) == sorted(row.sop_instance_uid for row in rows[1:])
    assert all(row.pk == inserted[row.sop_instance_uid] for row in rows[1:]) and rows[0].pk is None
    stored = Instance.objects.get(pk=rows[1].pk)
    assert stored.pixel_spacing == [0.5, 0.25] and stored.slice_location is None
    assert stored.burned_in_annotation is True and stored.instance_number == 2
    assert stored.sha256 == rows[1].sha256 and stored.file.name == rows[1].file.name
    assert Instance.objects.count() == 4


def test_the_insert_is_one_statement_seen_by_django_query_capture(intake_actor):
    study_uid, series_uid = generate_uid(), generate_uid()
    first = dicom_sample(study_uid=study_uid, series_uid=series_uid)
    instances_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, files=[IntakeFile(data=first)])
    series = Series.objects.get(series_instance_uid=series_uid)
    rows = _rows(series, [dicom_sample(study_uid=study_uid, series_uid=series_uid) for _ in range(3)])

    with CaptureQueriesContext(connection) as queries:
        bulk_insert_new(Instance, rows, unique_field="sop_instance_uid")

    assert len(queries) == 1 and queries[0]["sql"].startswith('INSERT INTO "imaging_instance"')
