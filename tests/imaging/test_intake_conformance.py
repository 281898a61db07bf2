"""Valid files that intake must accept as sent: private elements it cannot interpret, compressed syntaxes."""

from io import BytesIO

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import BytesLengthException
from pydicom.uid import (
    JPEG2000,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEGBaseline8Bit,
    UltrasoundImageStorage,
    generate_uid,
)

from screening.core.actors import Actor
from screening.imaging.ingestion_services import IngestStatus, instance_ingest
from screening.imaging.models import Instance, IntakeSource
from screening.imaging.rendering import frame_png
from tests.imaging.listener_helpers import media_in_tmp, sample, scu, serve, store

__all__ = ["media_in_tmp"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(media_in_tmp):
    server = serve()
    yield server.server_address[1]
    server.shutdown()


# Private creators whose dictionary entry for (0019,xx21) pydicom uses to guess the VR of an
# implicit-VR value, here a value of another length than the guessed VR's: the sender's private
# business, not a malformed file.
PRIVATE_GUESSES = [
    ("SIEMENS MED SMS USG S2000", b"\x01\x02\x03\x04\x05\x06"),  # guessed FD (8 bytes a value)
    ("SIEMENS MED", b"\x01\x02\x03\x04\x05\x06"),  # guessed SL (4 bytes a value)
]


def rgb_ultrasound_implicit(creator: str, private_value: bytes) -> bytes:
    """An RGB ultrasound image in implicit VR little endian with a private (0019,1021) element."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UltrasoundImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ImplicitVRLittleEndian
    dataset = Dataset()
    dataset.file_meta = meta
    dataset.SOPClassUID = UltrasoundImageStorage
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
    dataset.Modality, dataset.PatientID = "US", "CONFORMANCE-1"
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation, dataset.PlanarConfiguration = 3, "RGB", 0
    dataset.Rows, dataset.Columns = 16, 16
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit, dataset.PixelRepresentation = 8, 8, 7, 0
    dataset.PixelData = bytes(range(256)) * 3
    block = dataset.private_block(0x0019, creator, create=True)
    block.add_new(0x21, "UN", private_value + b"\x00" * (len(private_value) % 2))
    buffer = BytesIO()
    dataset.save_as(buffer, implicit_vr=True, little_endian=True, enforce_file_format=True)
    data = buffer.getvalue()
    with pytest.raises(BytesLengthException):  # pydicom guesses the VR from its private dictionary
        pydicom.dcmread(BytesIO(data))[0x0019, 0x1021].value
    return data


@pytest.mark.parametrize(("creator", "private_value"), PRIVATE_GUESSES)
def test_implicit_vr_file_with_a_private_element_pydicom_cannot_interpret_is_stored(creator, private_value):
    data = rgb_ultrasound_implicit(creator, private_value)

    outcome = instance_ingest(actor=Actor.system("cstore:US1"), source=IntakeSource.CSTORE, data=data)

    assert outcome.status == IngestStatus.STORED, outcome.message
    assert Instance.objects.get().file.read() == data  # stored as sent


# Lossless compressed files, each offered with the uncompressed syntaxes in one presentation
# context, as modalities and PACS propose them.
COMPRESSED_SAMPLES = [
    "JPEG-LL.dcm",  # JPEG lossless, first-order prediction
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_RLE.dcm",
    "MR_small_jp2klossless.dcm",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", COMPRESSED_SAMPLES)
def test_from_a_combined_proposal_a_compressed_file_is_accepted_and_stored_as_sent(listener, name):
    dataset = sample(name)
    sent_syntax = dataset.file_meta.TransferSyntaxUID
    modality = scu(
        contexts=[(dataset.SOPClassUID, [ExplicitVRLittleEndian, ImplicitVRLittleEndian, sent_syntax])]
    )

    assoc = modality.associate("127.0.0.1", listener, ae_title="SCREENING")
    assert assoc.is_established
    accepted = [
        c.transfer_syntax[0] for c in assoc.accepted_contexts if c.abstract_syntax == dataset.SOPClassUID
    ]
    status = assoc.send_c_store(dataset)
    assoc.release()

    assert accepted == [sent_syntax]
    assert status.Status == 0x0000
    instance = Instance.objects.get(sop_instance_uid=dataset.SOPInstanceUID)
    assert pydicom.dcmread(instance.file.open("rb")).file_meta.TransferSyntaxUID == sent_syntax
    assert frame_png(instance, size=64).startswith(b"\x89PNG")


@pytest.mark.django_db(transaction=True)
def test_an_uncompressed_file_is_never_asked_for_in_a_lossy_syntax(listener):
    dataset = sample("CT_small.dcm")
    modality = scu(contexts=[(dataset.SOPClassUID, [JPEGBaseline8Bit, JPEG2000, ExplicitVRLittleEndian])])

    assoc = modality.associate("127.0.0.1", listener, ae_title="SCREENING")
    accepted = [
        c.transfer_syntax[0] for c in assoc.accepted_contexts if c.abstract_syntax == dataset.SOPClassUID
    ]
    assoc.release()

    assert accepted == [ExplicitVRLittleEndian]


@pytest.mark.django_db(transaction=True)
def test_the_implicit_vr_file_with_a_private_element_is_stored_by_c_store(listener):
    data = rgb_ultrasound_implicit(*PRIVATE_GUESSES[0])
    dataset = pydicom.dcmread(BytesIO(data))

    assert store(listener, dataset) == 0x0000
    assert Instance.objects.filter(sop_instance_uid=dataset.SOPInstanceUID).exists()
