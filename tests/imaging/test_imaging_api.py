"""Imaging REST API for scripts: upload files or archives, read studies in the user's scope."""

import zipfile
from io import BytesIO

import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid
from rest_framework.test import APIClient

from screening.imaging.models import Instance, IntakeSource, Study, StudyMatch
from tests.factories import CampaignFactory, EpisodeFactory

UPLOADS = "/api/v1/imaging/uploads/"
STUDIES = "/api/v1/studies/"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


def _dicom_bytes(name: str = "CT_small.dcm", *, study_uid: str | None = None) -> tuple[bytes, str]:
    path = get_testdata_file(name)
    assert path is not None
    dataset = pydicom.dcmread(path)
    dataset.StudyInstanceUID = study_uid or generate_uid()
    dataset.SeriesInstanceUID = generate_uid()
    dataset.SOPInstanceUID = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue(), str(dataset.SOPInstanceUID)


def _upload(client: APIClient, data: bytes, name: str = "image.dcm"):
    return client.post(UPLOADS, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_a_coordinator_uploads_one_dicom_file(coordinator):
    data, sop_uid = _dicom_bytes()

    response = _upload(_api(coordinator), data)

    assert response.status_code == 201
    [outcome] = response.json()
    assert outcome["status"] == "stored"
    assert outcome["sop_instance_uid"] == sop_uid
    instance = Instance.objects.select_related("series__study").get(sop_instance_uid=sop_uid)
    assert outcome["study"] == instance.series.study.pk
    assert instance.source == IntakeSource.API


def test_an_archive_is_taken_file_by_file_with_a_reason_for_each_refusal(coordinator):
    ct, ct_uid = _dicom_bytes("CT_small.dcm")
    mr, mr_uid = _dicom_bytes("MR_small.dcm")
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ct.dcm", ct)
        zipped.writestr("mr.dcm", mr)
        zipped.writestr("notes.txt", b"not an image")

    response = _upload(_api(coordinator), archive.getvalue(), name="study.zip")

    assert response.status_code == 201
    outcomes = response.json()
    assert {o["sop_instance_uid"] for o in outcomes if o["status"] == "stored"} == {ct_uid, mr_uid}
    [refused] = [o for o in outcomes if o["status"] == "rejected"]
    assert refused["reason"]
    assert refused["study"] is None


def test_sending_the_same_file_again_stores_nothing_new(coordinator):
    data, sop_uid = _dicom_bytes()
    client = _api(coordinator)
    _upload(client, data)

    again = _upload(client, data)

    assert again.status_code == 200
    assert again.json()[0]["status"] == "already_present"
    assert Instance.objects.filter(sop_instance_uid=sop_uid).count() == 1


def test_an_upload_without_a_file_is_a_400(coordinator):
    response = _api(coordinator).post(UPLOADS, {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_only_uploaders_may_upload(radiologist, auditor, db):
    data, _ = _dicom_bytes()

    assert _upload(_api(radiologist), data).status_code == 403
    assert _upload(_api(auditor), data).status_code == 403
    assert _upload(_api(), data).status_code == 401
    assert not Instance.objects.exists()


@pytest.fixture
def two_studies(coordinator):
    """Two uploaded studies: a CT (with one instance) and an MR."""
    client = _api(coordinator)
    studies = []
    for name in ("CT_small.dcm", "MR_small.dcm"):
        data, _ = _dicom_bytes(name)
        studies.append(Study.objects.get(pk=_upload(client, data).json()[0]["study"]))
    return studies


def test_coordinators_list_studies_with_counts_and_match_status(coordinator, two_studies):
    response = _api(coordinator).get(STUDIES)

    assert response.status_code == 200
    results = {row["id"]: row for row in response.json()["results"]}
    assert set(results) == {study.pk for study in two_studies}
    ct = results[two_studies[0].pk]
    assert ct["series_count"] == 1
    assert ct["instance_count"] == 1
    assert ct["match_status"] == two_studies[0].match_status
    assert ct["study_instance_uid"] == two_studies[0].study_instance_uid


def test_the_study_list_filters_by_match_status(coordinator, two_studies):
    Study.objects.filter(pk=two_studies[0].pk).update(match_status=StudyMatch.REJECTED)

    response = _api(coordinator).get(STUDIES, {"match_status": StudyMatch.REJECTED})

    assert [row["id"] for row in response.json()["results"]] == [two_studies[0].pk]


def test_a_study_in_detail_lists_its_series(coordinator, two_studies):
    ct = two_studies[0]

    response = _api(coordinator).get(f"{STUDIES}{ct.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["instance_count"] == 1
    assert [s["series_instance_uid"] for s in body["series"]] == [ct.series.get().series_instance_uid]
    assert body["series"][0]["instance_count"] == 1


def test_radiologists_read_only_their_campaigns_studies(radiologist, two_studies):
    campaign = CampaignFactory()
    campaign.assigned_staff.add(radiologist)
    mine, other = two_studies
    Study.objects.filter(pk=mine.pk).update(episode=EpisodeFactory(campaign=campaign))
    client = _api(radiologist)

    listed = [row["id"] for row in client.get(STUDIES).json()["results"]]

    assert listed == [mine.pk]
    assert client.get(f"{STUDIES}{mine.pk}/").status_code == 200
    assert client.get(f"{STUDIES}{other.pk}/").status_code == 404


def test_auditors_and_anonymous_users_cannot_read_studies(auditor, two_studies):
    assert _api(auditor).get(STUDIES).status_code == 403
    assert _api().get(STUDIES).status_code == 401
    assert _api().get(f"{STUDIES}{two_studies[0].pk}/").status_code == 401
