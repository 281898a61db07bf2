"""C-STORE answers each refusal with the DICOM status of its reason, the same as STOW-RS's FailureReason."""

import pydicom
import pytest
from pydicom.uid import generate_uid

from screening.imaging.dicom_failure_statuses import (
    FAILURE_CANNOT_UNDERSTAND,
    FAILURE_DATASET_DOES_NOT_MATCH_SOP_CLASS,
    FAILURE_OUT_OF_RESOURCES,
    FAILURE_PROCESSING,
    failure_status,
)
from screening.imaging.dicom_validation import RejectionReason
from screening.imaging.dicomweb import stow
from screening.imaging.models import Instance, IntakeRejection
from tests.imaging.listener_helpers import media_in_tmp, sample, serve, store

__all__ = ["media_in_tmp"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener(media_in_tmp):
    server = serve()
    yield server.server_address[1]
    server.shutdown()


def _refused(listener, dataset) -> int:
    status = store(listener, dataset)
    assert not Instance.objects.filter(sop_instance_uid=dataset.SOPInstanceUID).exists()
    return status


def test_a_dataset_without_a_required_attribute_does_not_match_its_sop_class(listener):
    dataset = sample("CT_small.dcm")
    del dataset.StudyInstanceUID

    assert _refused(listener, dataset) == FAILURE_DATASET_DOES_NOT_MATCH_SOP_CLASS == 0xA900


def test_pixel_data_shorter_than_the_image_does_not_match_its_sop_class(listener):
    dataset = sample("CT_small.dcm")
    dataset.PixelData = dataset.PixelData[:100]

    assert _refused(listener, dataset) == FAILURE_DATASET_DOES_NOT_MATCH_SOP_CLASS


def test_an_invalid_uid_cannot_be_understood(listener):
    dataset = sample("CT_small.dcm")
    dataset.StudyInstanceUID = "1.2.not-a-uid"

    assert _refused(listener, dataset) == FAILURE_CANNOT_UNDERSTAND == 0xC000


def test_a_series_stored_under_another_study_is_a_processing_failure(listener):
    first = sample("CT_small.dcm")
    assert store(listener, first) == 0x0000
    second = sample("CT_small.dcm")
    second.SeriesInstanceUID = first.SeriesInstanceUID
    second.StudyInstanceUID = generate_uid()

    assert _refused(listener, second) == FAILURE_PROCESSING == 0x0110


def test_a_file_over_the_size_limit_is_refused_as_out_of_resources(listener, settings, tmp_path):
    dataset = sample("CT_small.dcm")
    path = tmp_path / "ct.dcm"
    dataset.save_as(path, enforce_file_format=True)
    dataset_bytes = len(pydicom.dcmread(path).PixelData)
    # Within the limit as it arrives (the dataset alone), over it as a file with its meta header.
    settings.DICOM_MAX_FILE_BYTES = path.stat().st_size - 1
    assert dataset_bytes < settings.DICOM_MAX_FILE_BYTES

    assert _refused(listener, dataset) == FAILURE_OUT_OF_RESOURCES == 0xA700
    assert IntakeRejection.objects.filter(reason=RejectionReason.TOO_LARGE).exists()


def test_stow_and_c_store_share_one_mapping():
    assert stow.failure_status is failure_status
    assert failure_status(RejectionReason.SOP_CLASS_NOT_ALLOWED) == 0x0122
    assert failure_status(RejectionReason.NOT_DICOM) == FAILURE_CANNOT_UNDERSTAND
