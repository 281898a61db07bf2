"""The C-STORE receiver, served on a free local port: modalities echo, store, and misbehave."""

import contextlib
import socket
from io import BytesIO

import pydicom
import pytest
from pydicom.uid import ImplicitVRLittleEndian

from screening.imaging.dicom_failure_statuses import FAILURE_DATASET_DOES_NOT_MATCH_SOP_CLASS
from screening.imaging.dicom_listener import allowed_calling_aets
from screening.imaging.models import Instance, IntakeSource
from tests.imaging.listener_helpers import echo, media_in_tmp, sample, scu, serve, store

__all__ = ["media_in_tmp"]

pytestmark = pytest.mark.django_db(transaction=True)

TRANSFER_SYNTAX_SAMPLES = [
    "CT_small.dcm",  # explicit VR little endian
    "MR_small_bigendian.dcm",
    "image_dfl.dcm",  # deflated explicit VR little endian
    "MR_small_RLE.dcm",
    "JPEG-lossy.dcm",  # JPEG baseline/extended
    "JPEG-LL.dcm",  # JPEG lossless SV1
    "MR_small_jpeg_ls_lossless.dcm",
    "JPEGLSNearLossless_16.dcm",
    "JPEG2000.dcm",
]


@pytest.fixture
def listener(media_in_tmp):
    server = serve()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def strict_listener(media_in_tmp):
    server = serve(allowed=("MODALITY1",))
    yield server.server_address[1]
    server.shutdown()


def test_echo_succeeds(listener):
    assert echo(listener) == 0x0000


@pytest.mark.parametrize("name", TRANSFER_SYNTAX_SAMPLES)
def test_store_in_each_transfer_syntax_is_stored(listener, name):
    dataset = sample(name)

    status = store(listener, dataset)

    assert status == 0x0000
    instance = Instance.objects.get(sop_instance_uid=dataset.SOPInstanceUID)
    assert instance.source == IntakeSource.CSTORE


def test_store_in_implicit_little_endian_is_stored(listener):
    dataset = sample("CT_small.dcm")
    buffer = BytesIO()
    dataset.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    dataset.save_as(buffer, implicit_vr=True, little_endian=True, enforce_file_format=True)
    implicit = pydicom.dcmread(BytesIO(buffer.getvalue()))
    assert implicit.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian

    assert store(listener, implicit) == 0x0000
    assert Instance.objects.filter(sop_instance_uid=implicit.SOPInstanceUID).exists()


def test_the_same_instance_sent_twice_succeeds_both_times_and_is_kept_once(listener):
    dataset = sample("CT_small.dcm")

    assert store(listener, dataset) == 0x0000
    assert store(listener, dataset) == 0x0000
    assert Instance.objects.filter(sop_instance_uid=dataset.SOPInstanceUID).count() == 1


def test_a_dataset_intake_refuses_is_answered_with_a_failure_status(listener):
    dataset = sample("CT_small.dcm")
    del dataset.PixelData
    del dataset.StudyInstanceUID

    status = store(listener, dataset)

    assert status == FAILURE_DATASET_DOES_NOT_MATCH_SOP_CLASS
    assert not Instance.objects.filter(sop_instance_uid=dataset.SOPInstanceUID).exists()


def test_a_calling_ae_title_not_allowed_is_refused_at_association(strict_listener):
    assert echo(strict_listener, calling_ae="INTRUDER") is None
    assert echo(strict_listener, calling_ae="MODALITY1") == 0x0000


def test_garbage_bytes_leave_the_listener_serving(listener):
    with socket.create_connection(("127.0.0.1", listener), timeout=5) as peer:
        peer.sendall(b"\x01\x00GET / HTTP/1.1\r\n\r\n" + bytes(range(256)) * 8)
        peer.settimeout(5)
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            peer.recv(1024)

    assert echo(listener) == 0x0000


def test_a_peer_aborting_mid_association_leaves_the_listener_serving(listener):
    dataset = sample("CT_small.dcm")
    assoc = scu(contexts=[(dataset.SOPClassUID, dataset.file_meta.TransferSyntaxUID)]).associate(
        "127.0.0.1", listener, ae_title="SCREENING"
    )
    assert assoc.is_established
    assoc.abort()

    with socket.create_connection(("127.0.0.1", listener), timeout=5):
        pass  # connect and drop without a word

    assert echo(listener) == 0x0000


def test_allowed_calling_aets_come_from_the_option_or_the_setting(settings):
    settings.DICOM_ALLOWED_CALLING_AETS = ["PACS"]

    assert allowed_calling_aets("CT1, MG2,") == ("CT1", "MG2")
    assert allowed_calling_aets("") == ("PACS",)
