"""WADO-RS retrieve frames, as a viewer (OHIF) or dicomweb-client asks for them, against the live server."""

from io import BytesIO

import numpy as np
import pydicom
import pytest
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.encaps import generate_frames
from pydicom.uid import JPEGLosslessSV1, RLELossless
from requests.auth import HTTPBasicAuth

from tests.factories import PASSWORD
from tests.imaging.conftest import dicom_sample

pytestmark = pytest.mark.django_db(transaction=True)

OHIF_ACCEPT = "multipart/related; type=application/octet-stream; transfer-syntax=*"


@pytest.fixture
def session(coordinator):
    with requests.Session() as session:  # closed, so no kept-alive connection holds the live server
        session.auth = HTTPBasicAuth(coordinator.username, PASSWORD)
        yield session


@pytest.fixture
def client(live_server, session):
    return DICOMwebClient(url=f"{live_server.url}/dicomweb", session=session)


def _stored(client, name: str) -> pydicom.Dataset:
    dataset = pydicom.dcmread(BytesIO(dicom_sample(name)))
    client.store_instances([dataset])
    return dataset


def _frames(client, dataset, numbers, **kwargs) -> list[bytes]:
    return client.retrieve_instance_frames(
        dataset.StudyInstanceUID,
        dataset.SeriesInstanceUID,
        dataset.SOPInstanceUID,
        frame_numbers=numbers,
        **kwargs,
    )


def _url(live_server, dataset, frames: str) -> str:
    return (
        f"{live_server.url}/dicomweb/studies/{dataset.StudyInstanceUID}/series/{dataset.SeriesInstanceUID}"
        f"/instances/{dataset.SOPInstanceUID}/frames/{frames}"
    )


def test_uncompressed_frames_are_retrieved_as_stored(client):
    volume = _stored(client, "emri_small.dcm")  # ten 64 x 64 16-bit frames
    frame_bytes = 64 * 64 * 2

    frames = _frames(client, volume, [2, 5])

    assert frames == [
        volume.PixelData[frame_bytes : 2 * frame_bytes],
        volume.PixelData[4 * frame_bytes : 5 * frame_bytes],
    ]


def test_a_viewer_asking_for_any_transfer_syntax_gets_the_compressed_frames_as_stored(
    live_server, client, session
):
    rle = _stored(client, "SC_rgb_rle_2frame.dcm")
    stored = [bytes(frame) for frame in generate_frames(rle.PixelData, number_of_frames=2)]

    response = session.get(_url(live_server, rle, "2"), headers={"Accept": OHIF_ACCEPT})

    assert response.status_code == 200
    assert f"transfer-syntax={RLELossless}" in response.headers["Content-Type"]
    assert stored[1] in response.content


def test_compressed_frames_come_in_their_media_type_or_decoded(client):
    jpeg = _stored(client, "SC_rgb_jpeg_gdcm.dcm")  # JPEG lossless, 100 x 100 RGB

    as_jpeg = _frames(client, jpeg, [1], media_types=(("image/jpeg", JPEGLosslessSV1),))
    decoded = _frames(client, jpeg, [1])

    assert as_jpeg == [next(generate_frames(jpeg.PixelData, number_of_frames=1))]
    assert np.array_equal(np.frombuffer(decoded[0], dtype=np.uint8), jpeg.pixel_array.ravel())


def test_a_frame_past_the_last_is_404_and_a_media_type_it_cannot_be_is_406(live_server, client, session):
    ct = _stored(client, "CT_small.dcm")

    past_the_last = session.get(_url(live_server, ct, "2"), headers={"Accept": OHIF_ACCEPT})
    as_png = session.get(
        _url(live_server, ct, "1"), headers={"Accept": 'multipart/related; type="image/png"'}
    )

    assert past_the_last.status_code == 404
    assert as_png.status_code == 406
