"""Hot reads with SQL composed once build the same instances as the ORM's select_related."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pydicom.uid import generate_uid

from screening.core.composed_reads import placeholders, rows_joined
from screening.imaging.ingestion_services import IntakeFile, instances_ingest
from screening.imaging.models import Instance, IntakeSource, Study
from tests.imaging.conftest import dicom_sample

pytestmark = pytest.mark.django_db


def _values(row: object) -> dict[str, object]:
    return {field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields}


def _stored(intake_actor, count: int = 2) -> list[Instance]:
    study_uid, series_uid = generate_uid(), generate_uid()
    files = [IntakeFile(data=dicom_sample(study_uid=study_uid, series_uid=series_uid)) for _ in range(count)]
    instances_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, files=files)
    return list(Instance.objects.select_related("series__study").order_by("id"))


def test_an_instance_with_its_series_and_study_has_every_value_the_orm_reads(intake_actor):
    expected = _stored(intake_actor)
    uids = [instance.sop_instance_uid for instance in expected]

    rows = rows_joined(Instance, ["series", "study"], f"t0.sop_instance_uid IN ({placeholders(2)})", uids)

    assert {row.pk: _values(row) for row in rows} == {row.pk: _values(row) for row in expected}
    with CaptureQueriesContext(connection) as queries:
        read = {row.pk: (_values(row.series), _values(row.series.study)) for row in rows}
    assert len(queries) == 0  # the series and study came with the row
    assert read == {row.pk: (_values(row.series), _values(row.series.study)) for row in expected}
    assert rows[0].received_at.tzinfo is not None  # converted as the ORM converts (SQLite stores text)


def test_a_null_foreign_key_keeps_the_row_and_reads_none_along_the_chain(intake_actor):
    study = _stored(intake_actor, count=1)[0].series.study
    assert study.episode_id is None

    rows = rows_joined(Study, ["episode", "campaign", "programme"], "t0.id = %s", [study.pk])

    assert [_values(row) for row in rows] == [_values(Study.objects.get(pk=study.pk))]
    with CaptureQueriesContext(connection) as queries:
        assert rows[0].episode is None
    assert len(queries) == 0


def test_nothing_matching_reads_no_row(db):
    assert rows_joined(Study, [], "t0.id = %s", [-1]) == []
