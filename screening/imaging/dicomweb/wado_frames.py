"""WADO-RS retrieve frames: the pixel data of chosen frames, as stored where the Accept allows.

``/studies/{s}/series/{r}/instances/{i}/frames/1,3`` answers multipart/related with one part per
frame. Uncompressed pixel data is served as ``application/octet-stream`` in Explicit VR Little
Endian (the default PS3.18 names); compressed pixel data is served as stored (``image/jpeg``,
``image/jls``, ``image/jp2``, ``application/octet-stream`` for RLE or deflated data) when the Accept
allows its transfer syntax or ``transfer-syntax=*``, and otherwise decoded to uncompressed bytes.
Viewers such as OHIF ask for ``application/octet-stream; transfer-syntax=*``: they get the stored
bytes, each part naming its transfer syntax.
"""

from dataclasses import dataclass

import pydicom
from django.http import Http404, HttpResponse
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames
from pydicom.pixels import pixel_array
from pydicom.uid import UID, ExplicitVRLittleEndian

from screening.imaging.dicomweb.multipart import (
    content_type_parse,
    multipart_content_type,
    multipart_stream,
    new_boundary,
)
from screening.imaging.models import Instance

OCTET_STREAM = "application/octet-stream"
ANY_TRANSFER_SYNTAX = "*"
MAX_FRAMES_PER_REQUEST = 100
# The media type a compressed frame is served as (PS3.18 Table 8.7.3-2); others are octet-stream.
_MEDIA_TYPE_BY_PREFIX = {
    "1.2.840.10008.1.2.4.5": "image/jpeg",  # JPEG baseline and extended
    "1.2.840.10008.1.2.4.57": "image/jpeg",  # JPEG lossless
    "1.2.840.10008.1.2.4.70": "image/jpeg",  # JPEG lossless, first-order prediction
    "1.2.840.10008.1.2.4.8": "image/jls",  # JPEG-LS
    "1.2.840.10008.1.2.4.9": "image/jp2",  # JPEG 2000
}


class NotAcceptable(ValueError):
    """No media type the client accepts can carry these frames (answered 406)."""


@dataclass(frozen=True)
class Rendition:
    """How the frames go out: their media type and transfer syntax, and whether they are decoded."""

    media_type: str
    transfer_syntax: str
    decode: bool


def frame_numbers_parse(value: str) -> list[int]:
    """``1,3,5`` as frame numbers (from 1); 404 beyond the request limit."""
    numbers = [int(item) for item in value.split(",") if item.strip().isdigit()]
    if not numbers or len(numbers) > MAX_FRAMES_PER_REQUEST or min(numbers) < 1:
        raise Http404(f"Ask for 1 to {MAX_FRAMES_PER_REQUEST} frames, numbered from 1.")
    return numbers


def frames_response(instance: Instance, *, frame_numbers: list[int], accept: str) -> HttpResponse:
    """multipart/related: one part per frame asked for, in the rendition the Accept allows."""
    if max(frame_numbers) > max(instance.frames, 1):
        raise Http404("No such frame.")
    stored = UID(instance.transfer_syntax_uid)
    rendition = rendition_choose(stored, accept)
    with instance.file.open("rb") as handle:
        dataset = pydicom.dcmread(handle)
    frames = [_frame_bytes(dataset, number - 1, rendition) for number in frame_numbers]
    headers = {"Content-Type": f"{rendition.media_type}; transfer-syntax={rendition.transfer_syntax}"}
    boundary = new_boundary()
    body = b"".join(multipart_stream(((headers, frame) for frame in frames), boundary))
    content_type = multipart_content_type(rendition.media_type, boundary)
    return HttpResponse(body, content_type=f"{content_type}; transfer-syntax={rendition.transfer_syntax}")


def rendition_choose(stored: UID, accept: str) -> Rendition:
    """As stored where the Accept allows it, else uncompressed little endian (decoding if needed)."""
    as_stored = Rendition(_media_type(stored), str(stored), decode=False)
    if not stored.is_compressed:  # big endian data is byte-swapped by decoding it
        as_stored = Rendition(OCTET_STREAM, ExplicitVRLittleEndian, decode=not stored.is_little_endian)
    uncompressed = Rendition(OCTET_STREAM, ExplicitVRLittleEndian, decode=stored.is_compressed)
    wanted = _accepted(accept)
    if not wanted:
        return as_stored
    for media_type, transfer_syntax in wanted:
        if transfer_syntax == ANY_TRANSFER_SYNTAX and media_type in (as_stored.media_type, "*/*"):
            return as_stored
        if transfer_syntax == ANY_TRANSFER_SYNTAX and media_type == OCTET_STREAM:
            # What OHIF asks for: the stored bytes, the part naming their transfer syntax.
            return Rendition(OCTET_STREAM, as_stored.transfer_syntax, decode=as_stored.decode)
        if transfer_syntax == as_stored.transfer_syntax and media_type in (as_stored.media_type, "*/*"):
            return as_stored
        if media_type in (OCTET_STREAM, "*/*") and transfer_syntax in ("", ExplicitVRLittleEndian):
            return uncompressed
    raise NotAcceptable(
        f"The frames are stored as {stored}; accept {as_stored.media_type} with that transfer-syntax "
        f"(or transfer-syntax=*), or {OCTET_STREAM} uncompressed."
    )


def _accepted(accept: str) -> list[tuple[str, str]]:
    """(part media type, transfer syntax) of each multipart/related range in the Accept header."""
    wanted = []
    for item in accept.split(","):
        if not item.strip():
            continue
        parsed = content_type_parse(item.strip())
        if parsed.media_type in ("*/*", "multipart/*"):
            wanted.append(("*/*", ANY_TRANSFER_SYNTAX))
        elif parsed.media_type == "multipart/related":
            part_type = parsed.params.get("type", OCTET_STREAM).lower()
            wanted.append((part_type, parsed.params.get("transfer-syntax", "")))
    return wanted


def _media_type(transfer_syntax: UID) -> str:
    for prefix, media_type in _MEDIA_TYPE_BY_PREFIX.items():
        if str(transfer_syntax).startswith(prefix):
            return media_type
    return OCTET_STREAM


def _frame_bytes(dataset: Dataset, index: int, rendition: Rendition) -> bytes:
    """One frame's bytes: a fragment run of compressed data, a slice of native data, or decoded."""
    if rendition.decode:
        return bytes(pixel_array(dataset, index=index).astype(_little_endian_type(dataset)).tobytes())
    pixel_data = dataset.PixelData
    if dataset.file_meta.TransferSyntaxUID.is_compressed:
        frames = generate_frames(pixel_data, number_of_frames=int(dataset.get("NumberOfFrames", 1) or 1))
        for number, frame in enumerate(frames):
            if number == index:
                return bytes(frame)
        raise Http404("No such frame.")
    size = _native_frame_bytes(dataset)
    frame = bytes(pixel_data[index * size : (index + 1) * size])
    if len(frame) != size:
        raise Http404("No such frame.")
    return frame


def _native_frame_bytes(dataset: Dataset) -> int:
    pixels = int(dataset.Rows) * int(dataset.Columns) * int(dataset.get("SamplesPerPixel", 1) or 1)
    bits = int(dataset.BitsAllocated)
    return (pixels * bits + 7) // 8


def _little_endian_type(dataset: Dataset) -> str:
    bits = int(dataset.BitsAllocated)
    signed = int(dataset.get("PixelRepresentation", 0) or 0) == 1
    size = 1 if bits <= 8 else 2 if bits <= 16 else 4
    return f"<{'i' if signed else 'u'}{size}"
