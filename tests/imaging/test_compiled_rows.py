"""Hot reads through SQL compiled once per shape build the same instances as the ORM's
select_related, in as many queries, with each call's own values."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pydicom.uid import generate_uid

from screening.core import compiled_sql as compiled
from screening.core.compiled_sql import compiled_rows
from screening.imaging.ingestion_services import IntakeFile, instances_ingest
from screening.imaging.models import Instance, IntakeSource, Study
from tests.imaging.conftest import dicom_sample

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_compiled_shapes")]


def _values(row: object) -> dict[str, object]:
    return {field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields}


def _stored(intake_actor, count: int = 2) -> list[Instance]:
    study_uid, series_uid = generate_uid(), generate_uid()
    files = [IntakeFile(data=dicom_sample(study_uid=study_uid, series_uid=series_uid)) for _ in range(count)]
    instances_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, files=files)
    return list(
        Instance.objects.filter(series__series_instance_uid=series_uid).select_related("series__study")
    )


def _instances_by_uid(values):
    return Instance.objects.filter(sop_instance_uid__in=values["uids"]).select_related("series__study")


def _study_with_episode(values):
    return Study.objects.filter(id=values["id"]).select_related("episode__campaign__programme")


def test_an_instance_with_its_series_and_study_has_every_value_the_orm_reads(intake_actor):
    first, later = _stored(intake_actor), _stored(intake_actor)
    for expected in (first, later):  # the shape compiled, then its SQL with the later call's UIDs
        uids = [instance.sop_instance_uid for instance in expected]

        with CaptureQueriesContext(connection) as queries:
            rows = compiled_rows("instances", _instances_by_uid, {"uids": uids})
        assert len(queries) == 1  # as the ORM's select_related

        assert {row.pk: _values(row) for row in rows} == {row.pk: _values(row) for row in expected}
        with CaptureQueriesContext(connection) as queries:
            read = {row.pk: (_values(row.series), _values(row.series.study)) for row in rows}
        assert len(queries) == 0  # the series and study came with the row
        assert read == {row.pk: (_values(row.series), _values(row.series.study)) for row in expected}
        assert rows[0].received_at.tzinfo is not None  # converted as the ORM converts (SQLite stores text)
        assert not rows[0]._state.adding and rows[0]._state.db == "default"
    assert compiled._templates[("default", connection.vendor, True, "instances", (2,))] is not None


def test_a_null_foreign_key_reads_none_along_the_chain(intake_actor):
    study = _stored(intake_actor, count=1)[0].series.study
    assert study.episode_id is None

    rows = compiled_rows("study", _study_with_episode, {"id": study.pk})

    assert [_values(row) for row in rows] == [_values(Study.objects.get(pk=study.pk))]
    with CaptureQueriesContext(connection) as queries:
        assert rows[0].episode is None
    assert len(queries) == 0


def test_nothing_matching_reads_no_row_and_an_empty_list_no_query(db):
    assert compiled_rows("study", _study_with_episode, {"id": -1}) == []
    with CaptureQueriesContext(connection) as queries:
        assert compiled_rows("instances", _instances_by_uid, {"uids": []}) == []
    assert len(queries) == 0


def test_a_uid_twice_in_the_first_call_keeps_that_shape_built_by_the_orm(intake_actor):
    uid = _stored(intake_actor, count=1)[0].sop_instance_uid

    rows = compiled_rows("instances", _instances_by_uid, {"uids": [uid, uid]})  # IN keeps one of them

    assert [row.sop_instance_uid for row in rows] == [uid]
    assert compiled._templates[("default", connection.vendor, True, "instances", (2,))] is None
    assert [
        row.sop_instance_uid for row in compiled_rows("instances", _instances_by_uid, {"uids": [uid, "x"]})
    ] == [uid]
