"""DICOMweb conformance to PS3.18: STOW failure reasons, QIDO paging bounds, WADO-RS frames."""

from io import BytesIO

import pydicom
import pytest
from django.contrib.auth.models import Permission
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from screening.imaging.models import Instance, Study
from tests.factories import CampaignFactory, EpisodeFactory, UserFactory
from tests.imaging.conftest import dataset_bytes, dicom_sample

pytestmark = pytest.mark.django_db

BOUNDARY = "conformance-boundary"
CONTENT_TYPE = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'


def _stow(client, *parts: bytes, study_uid: str | None = None):
    body = b"".join(
        f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode() + part + b"\r\n" for part in parts
    )
    body += f"--{BOUNDARY}--\r\n".encode()
    url = "/dicomweb/studies" + (f"/{study_uid}" if study_uid else "")
    return client.post(url, data=body, content_type=CONTENT_TYPE)


def _failure_reasons(response) -> list[int]:
    return [item.FailureReason for item in Dataset.from_json(response.json()).FailedSOPSequence]


def test_stow_answers_an_unsupported_sop_class_with_0122(coordinator_client):
    raw_data_storage = "1.2.840.10008.5.1.4.1.1.66"

    response = _stow(coordinator_client, dicom_sample(SOPClassUID=raw_data_storage))

    assert response.status_code == 409
    assert _failure_reasons(response) == [0x0122]


def test_stow_answers_a_dataset_that_does_not_match_its_sop_class_with_a900(coordinator_client):
    parsed = pydicom.dcmread(BytesIO(dicom_sample()))
    del parsed.Rows

    response = _stow(coordinator_client, dataset_bytes(parsed))

    assert _failure_reasons(response) == [0xA900]


def test_stow_answers_a_file_over_the_size_limit_with_a700(coordinator_client, settings):
    settings.DICOM_MAX_FILE_BYTES = 1000

    response = _stow(coordinator_client, dicom_sample())

    assert _failure_reasons(response) == [0xA700]


def test_stow_answers_what_it_cannot_parse_with_c000(coordinator_client):
    response = _stow(coordinator_client, b"not DICOM at all")

    assert _failure_reasons(response) == [0xC000]


def test_stow_into_a_study_the_sender_cannot_see_answers_0124(client):
    """A sender allowed to upload but not to see every study cannot add instances to another's."""
    sender = UserFactory(username="uploader")
    sender.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["upload_study", "view_study"], content_type__app_label="imaging"
        )
    )
    client.force_login(sender)
    study_uid = generate_uid()
    episode = EpisodeFactory(campaign=CampaignFactory())
    Study.objects.create(study_instance_uid=study_uid, first_source="upload", episode=episode)
    sample = dicom_sample(study_uid=study_uid)

    response = _stow(client, sample, study_uid=study_uid)

    assert _failure_reasons(response) == [0x0124]
    assert not Instance.objects.filter(series__study__study_instance_uid=study_uid).exists()


@pytest.mark.parametrize(
    "query",
    ["offset=99999999999999999999", "offset=-1", "limit=ten", "offset=1e3"],
)
@pytest.mark.parametrize("level", ["studies", "series", "instances"])
def test_qido_refuses_paging_it_cannot_honour_with_400(coordinator_client, level, query):
    response = coordinator_client.get(f"/dicomweb/{level}?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["detail"]


def test_qido_answers_a_limit_over_its_maximum_with_its_maximum(coordinator_client):
    """PS3.18 lets the origin server cap the limit (with a warning) rather than refuse it."""
    response = coordinator_client.get("/dicomweb/studies?limit=99999999999999999999")

    assert response.status_code == 200
    assert "Warning" in response.headers
