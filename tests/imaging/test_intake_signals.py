"""Intake announces the studies that received images once per batch, after commit."""

import io
import zipfile

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory
from pydicom.uid import generate_uid

from screening.core.after_response import AfterResponseMiddleware
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


def test_in_a_request_the_announcement_waits_for_the_response(
    intake_actor, announced, django_capture_on_commit_callbacks
):
    # A one-file upload used to wait for the receivers (AI queueing, reads) before its answer.
    def view(request):
        with django_capture_on_commit_callbacks(execute=True):
            instance_ingest(actor=intake_actor, source=IntakeSource.API, data=dicom_sample())
        return HttpResponse("stored")

    request_finished.disconnect(close_old_connections)  # as the test client does
    try:
        response = AfterResponseMiddleware(view)(RequestFactory().post("/"))
        assert announced == []  # committed and answered; not announced yet
        response.close()  # the server has sent the body
    finally:
        request_finished.connect(close_old_connections)
    assert len(announced) == 1
