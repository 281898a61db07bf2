"""Decompression bombs: refused at intake by every path with bounded memory, never decoded later."""

import base64
import tracemalloc
import zipfile
from io import BytesIO

import pydicom
import pytest
from django.core.cache import cache

from inference.dicom_reading import dicom_image_read
from inference.pixel_bounds import PixelBoundsError
from screening.core.actors import Actor
from screening.imaging import rendering
from screening.imaging.dicom_validation import RejectionReason
from screening.imaging.image_limits import (
    DEFAULT_MAX_DECODED_FRAME_BYTES,
    image_limits_problem,
    image_limits_table,
)
from screening.imaging.ingestion_services import IngestStatus, instance_ingest, upload_ingest
from screening.imaging.models import Instance, IntakeRejection, IntakeSource
from tests.factories import PASSWORD
from tests.imaging.bomb_corpus import BOMBS, rle_bomb
from tests.imaging.conftest import dicom_sample
from tests.imaging.listener_helpers import media_in_tmp, serve, store

__all__ = ["media_in_tmp"]

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
# Peak Python memory (tracemalloc) while intake refuses one bomb, the file itself included: at most
# a few copies of the 8 MB file (measured: 17 MB for the 16-bit RLE, 4 MB for deflate), never the
# 256-512 MiB it decodes or inflates to (before the fix: 585 MB and 1.1 GB inflating deflate-8 and -16).
INTAKE_PEAK_BOUND = 32 * MIB
REFUSED_AS_TOO_BIG = {RejectionReason.IMAGE_TOO_LARGE, RejectionReason.TOO_LARGE}


def _peak_while(action):
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_each_bomb_is_refused_at_upload_with_bounded_memory(name):
    data = BOMBS[name]()
    actor = Actor.system("upload:coordinator")

    outcomes, peak = _peak_while(
        lambda: upload_ingest(actor=actor, source=IntakeSource.UPLOAD, name=f"{name}.dcm", data=data)
    )

    assert peak < INTAKE_PEAK_BOUND, peak
    assert [outcome.status for outcome in outcomes] == [IngestStatus.REJECTED]
    assert outcomes[0].reason in REFUSED_AS_TOO_BIG, outcomes[0].message
    assert not Instance.objects.exists()


def test_bombs_in_an_archive_are_refused_entry_by_entry():
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:  # past the ratio guard
        bundle.writestr("rle.dcm", BOMBS["rle-16"]())
        bundle.writestr("j2k.dcm", BOMBS["jpeg2000-8-codestream-only"]())
    actor = Actor.system("upload:coordinator")

    outcomes = upload_ingest(
        actor=actor, source=IntakeSource.UPLOAD, name="bombs.zip", data=archive.getvalue()
    )

    assert {outcome.reason for outcome in outcomes} == {RejectionReason.IMAGE_TOO_LARGE}
    assert not Instance.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_bomb_sent_by_c_store_is_refused(media_in_tmp):
    server = serve()
    try:
        dataset = pydicom.dcmread(BytesIO(rle_bomb(8)))
        assert store(server.server_address[1], dataset) == 0xC000
    finally:
        server.shutdown()
    assert IntakeRejection.objects.get().reason == RejectionReason.IMAGE_TOO_LARGE
    assert not Instance.objects.exists()


@pytest.fixture
def stored_bomb(settings):
    """A bomb stored before the limits existed (the limits lifted, then restored)."""
    settings.DICOM_IMAGE_LIMITS = {
        "OT": {"max_rows": 16384, "max_columns": 16384, "max_decoded_bytes": 2**40}
    }
    settings.DICOM_MAX_DECODED_FRAME_BYTES = 2**40
    outcome = instance_ingest(
        actor=Actor.system("upload:coordinator"), source=IntakeSource.UPLOAD, data=rle_bomb(16)
    )
    assert outcome.status == IngestStatus.STORED, outcome.message
    settings.DICOM_IMAGE_LIMITS = {}
    settings.DICOM_MAX_DECODED_FRAME_BYTES = DEFAULT_MAX_DECODED_FRAME_BYTES
    return Instance.objects.get()


def test_a_stored_bomb_is_not_decoded_by_the_renderer(stored_bomb):
    cache.clear()

    def render() -> None:
        with pytest.raises(rendering.RenderingError, match="not decoded"):
            rendering.frame_png(stored_bomb, size=256)

    _nothing, peak = _peak_while(render)
    assert peak < INTAKE_PEAK_BOUND, peak


def test_inference_refuses_a_stored_bomb_cleanly(stored_bomb, tmp_path):
    for name, make in sorted(BOMBS.items()):
        path = tmp_path / f"{name}.dcm"
        path.write_bytes(make())

        with pytest.raises(PixelBoundsError, match="not decoded"):
            dicom_image_read(path)


def test_a_new_size_reuses_the_render_of_its_size_class(monkeypatch):
    instance_ingest(actor=Actor.system("upload:coordinator"), source=IntakeSource.UPLOAD, data=dicom_sample())
    instance = Instance.objects.get()
    cache.clear()
    renders = []
    real_render = rendering._render_png
    monkeypatch.setattr(rendering, "_render_png", lambda *a, **k: renders.append(k) or real_render(*a, **k))

    pngs = {rendering.frame_png(instance, size=size) for size in range(65, 129)}

    assert len(pngs) == 1 and len(renders) == 1  # 64 sizes asked, one rendered (128)


def test_many_frames_within_the_row_limits_are_refused_by_the_decoded_size():
    dataset = pydicom.Dataset()
    dataset.Modality, dataset.Rows, dataset.Columns, dataset.BitsAllocated = "MR", 1024, 1024, 16
    dataset.NumberOfFrames = 1024  # 2 GiB decoded; MR images decode to at most 1 GiB

    problem = image_limits_problem(dataset, image_limits_table(), DEFAULT_MAX_DECODED_FRAME_BYTES)

    assert problem is not None and "would decode to 2147483648 bytes" in problem


def test_the_setting_overrides_the_table_key_by_key(settings):
    settings.DICOM_IMAGE_LIMITS = {"us": {"max_rows": 4096}, "XA": {"max_frames": 8}}

    table = image_limits_table()

    assert table["US"].max_rows == 4096 and table["US"].max_columns == 2048
    assert table["XA"].max_frames == 8 and table["XA"].max_rows == table["*"].max_rows


def test_a_bomb_sent_by_stow_is_refused(client, coordinator):
    boundary = "bomb-boundary"
    part = f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode()
    body = part + BOMBS["rle-8"]() + f"\r\n--{boundary}--\r\n".encode()
    credentials = base64.b64encode(f"{coordinator.username}:{PASSWORD}".encode()).decode()

    response = client.post(
        "/dicomweb/studies",
        data=body,
        content_type=f'multipart/related; type="application/dicom"; boundary={boundary}',
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )

    assert response.status_code == 409  # every part refused
    assert IntakeRejection.objects.get().reason == RejectionReason.IMAGE_TOO_LARGE
    assert not Instance.objects.exists()
