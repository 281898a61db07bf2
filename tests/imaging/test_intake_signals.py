"""Intake announces the studies that received images once per batch, after commit."""

import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pydicom.uid import generate_uid

from screening.imaging.ingestion_services import instance_ingest, upload_ingest
from screening.imaging.intake_signals import intake_batch, studies_received
from screening.imaging.models import IntakeSource
from tests.imaging.conftest import dicom_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    received: list[frozenset[int]] = []

    def listener(sender, study_ids, **kwargs):
        received.append(study_ids)

    studies_received.connect(listener)
    yield received
    studies_received.disconnect(listener)


def test_an_archive_of_two_studies_is_announced_once_after_commit(
    coordinator_actor, announced, django_capture_on_commit_callbacks
):
    buffer = io.BytesIO()
    first, second = generate_uid(), generate_uid()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a/1", dicom_sample(study_uid=first))
        archive.writestr("a/2", dicom_sample(study_uid=first))
        archive.writestr("b/1", dicom_sample(study_uid=second))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcomes = upload_ingest(
            actor=coordinator_actor, source=IntakeSource.UPLOAD, name="x.zip", data=buffer.getvalue()
        )
    assert announced == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert announced == [{outcome.study.pk for outcome in outcomes}]
    assert len(announced[0]) == 2


def test_a_single_instance_outside_a_batch_is_announced_alone(
    intake_actor, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = instance_ingest(actor=intake_actor, source=IntakeSource.CSTORE, data=dicom_sample())
    assert announced == [frozenset({outcome.study.pk})]


def test_a_refused_file_announces_nothing(intake_actor, announced, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), intake_batch():
        instance_ingest(actor=intake_actor, source=IntakeSource.CSTORE, data=b"not dicom at all")
    assert announced == []


def test_the_receivers_share_one_read_of_the_announced_studies(
    intake_actor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = instance_ingest(actor=intake_actor, source=IntakeSource.CSTORE, data=dicom_sample())
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()  # the AI job queue and the reads both receive the study
    study_reads = [q["sql"] for q in queries if 'FROM "imaging_study"' in q["sql"]]
    assert len(study_reads) == 1, study_reads
    assert outcome.study is not None
