"""How much memory decoding a DICOM image would take, known before anything is decoded.

A small file can declare an enormous image: RLE and deflate compress a blank 16384 x 16384 image
to a few megabytes, and a JPEG 2000, JPEG or JPEG-LS frame carries its own size in its codestream,
which the decoder follows whatever Rows and Columns say. So the size is read from the attributes,
each compressed frame's own header must agree with them, and a deflated dataset is inflated
counting (and discarding) its bytes before pydicom inflates it whole. Pure functions: intake,
rendering and the inference worker all call them with their own bounds.
"""

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import Any, BinaryIO

from pydicom.encaps import generate_frames
from pydicom.errors import InvalidDicomError
from pydicom.filereader import _read_file_meta_info, read_preamble
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian, RLELossless

from inference.input_errors import InputError

INFLATE_CHUNK_BYTES = 1024 * 1024
# The compressed-frame headers are found within the first bytes of a frame.
HEADER_SEARCH_BYTES = 64 * 1024
_J2K_SOC_SIZ = b"\xff\x4f\xff\x51"
_JPEG_SOI = b"\xff\xd8"
# Start-of-frame markers of JPEG (baseline, extended, lossless, ...) and JPEG-LS (SOF55).
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7})
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD9)})


class PixelBoundsError(InputError):
    """The image would decode to more than allowed, or its compressed frames disagree with its size."""


@dataclass(frozen=True)
class PixelGeometry:
    """What the attributes declare: the decoded size follows from them."""

    rows: int
    columns: int
    frames: int
    samples: int
    bits_allocated: int

    @property
    def frame_bytes(self) -> int:
        return (self.rows * self.columns * self.samples * self.bits_allocated + 7) // 8

    @property
    def total_bytes(self) -> int:
        return self.frame_bytes * self.frames


def pixel_geometry(dataset: Any) -> PixelGeometry:
    """Rows, columns, frames, samples and bits allocated of an image; PixelBoundsError if unusable."""
    return PixelGeometry(
        rows=_positive(dataset, "Rows", None),
        columns=_positive(dataset, "Columns", None),
        frames=_positive(dataset, "NumberOfFrames", 1),
        samples=_positive(dataset, "SamplesPerPixel", 1),
        bits_allocated=_positive(dataset, "BitsAllocated", None),
    )


def _positive(dataset: Any, keyword: str, default: int | None) -> int:
    value = dataset.get(keyword)
    try:
        number = int(value) if value not in (None, "") else default
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or number < 1:
        raise PixelBoundsError(f"the image's {keyword} is missing or impossible")
    return number


def pixel_bounds_check(dataset: Any, *, max_frame_bytes: int, max_total_bytes: int) -> PixelGeometry:
    """Refuse an image whose decoding would exceed the bounds, or whose frames claim another size."""
    geometry = pixel_geometry(dataset)
    if geometry.frame_bytes > max_frame_bytes:
        raise PixelBoundsError(
            f"a frame of {geometry.rows} x {geometry.columns} would decode to {geometry.frame_bytes} bytes;"
            f" the limit is {max_frame_bytes}"
        )
    if geometry.total_bytes > max_total_bytes:
        raise PixelBoundsError(
            f"the image would decode to {geometry.total_bytes} bytes; the limit is {max_total_bytes}"
        )
    transfer_syntax = UID(str(getattr(dataset, "file_meta", {}).get("TransferSyntaxUID", "")))
    if transfer_syntax and transfer_syntax.is_encapsulated and "PixelData" in dataset:
        compressed_frames_check(dataset.PixelData, geometry, transfer_syntax)
    return geometry


def compressed_frames_check(pixel_data: bytes, geometry: PixelGeometry, transfer_syntax: UID) -> None:
    """Every JPEG, JPEG-LS and JPEG 2000 frame's own header declares the size the attributes do."""
    if transfer_syntax == RLELossless:
        return  # RLE decodes to exactly Rows x Columns: the attributes bound it
    count = 0
    for frame in _frames(pixel_data, geometry.frames):
        count += 1
        size = codestream_size(frame)
        if size is None:
            raise PixelBoundsError(f"compressed frame {count} has no recognisable image header")
        if size != (geometry.rows, geometry.columns):
            raise PixelBoundsError(
                f"compressed frame {count} declares {size[0]} x {size[1]};"
                f" the attributes say {geometry.rows} x {geometry.columns}"
            )
    if count != geometry.frames:
        raise PixelBoundsError(f"the pixel data holds {count} frames; the attributes say {geometry.frames}")


def codestream_size(frame: bytes) -> tuple[int, int] | None:
    """(rows, columns) from a JPEG 2000 (codestream or JP2), JPEG or JPEG-LS frame's header."""
    head = bytes(frame[:HEADER_SEARCH_BYTES])
    at = head.find(_J2K_SOC_SIZ)
    if at >= 0 and (head.startswith(_J2K_SOC_SIZ) or head[4:8] == b"jP  "):
        siz = head[at + 4 : at + 4 + 22]
        if len(siz) < 22:
            return None
        width = int.from_bytes(siz[4:8], "big") - int.from_bytes(siz[12:16], "big")
        height = int.from_bytes(siz[8:12], "big") - int.from_bytes(siz[16:20], "big")
        return height, width
    if head.startswith(_JPEG_SOI):
        return _jpeg_frame_size(head)
    return None


def _jpeg_frame_size(head: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 4 <= len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _STANDALONE_MARKERS:
            at += 2
            continue
        length = int.from_bytes(head[at + 2 : at + 4], "big")
        if marker in _SOF_MARKERS:
            header = head[at + 4 : at + 9]
            if len(header) < 5:
                return None
            rows = int.from_bytes(header[1:3], "big")
            return (rows, int.from_bytes(header[3:5], "big")) if rows else None
        at += 2 + length
    return None


def _frames(pixel_data: bytes, frames: int) -> Iterator[bytes]:
    try:
        yield from generate_frames(pixel_data, number_of_frames=frames)
    except (ValueError, KeyError, IndexError, EOFError) as error:
        raise PixelBoundsError(f"the compressed pixel data cannot be split into frames ({error})") from error


def deflated_size_check(stream: BinaryIO, *, max_bytes: int) -> None:
    """Refuse a deflated dataset that inflates past `max_bytes`, holding one chunk at a time.

    `stream` is a Part 10 file; it is left where it was. Other transfer syntaxes pass unread."""
    start = stream.tell()
    try:
        try:
            read_preamble(stream, False)
            # pydicom's public read_file_meta_info takes only a path; this reads the meta group alone.
            meta = _read_file_meta_info(stream)
        except (InvalidDicomError, ValueError, EOFError, OSError):
            return  # not a Part 10 file: the parser says so
        if meta.get("TransferSyntaxUID") != DeflatedExplicitVRLittleEndian:
            return
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        inflated = 0
        while chunk := stream.read(INFLATE_CHUNK_BYTES):
            inflated += len(inflater.decompress(chunk, INFLATE_CHUNK_BYTES))
            while inflater.unconsumed_tail and inflated <= max_bytes:
                inflated += len(inflater.decompress(inflater.unconsumed_tail, INFLATE_CHUNK_BYTES))
            if inflated > max_bytes:
                raise PixelBoundsError(f"the deflated dataset inflates past {max_bytes} bytes")
    except zlib.error as error:
        raise PixelBoundsError("the deflated dataset is corrupt") from error
    finally:
        stream.seek(start)


def deflated_bytes_check(data: bytes, *, max_bytes: int) -> None:
    """deflated_size_check over a file held in memory."""
    deflated_size_check(BytesIO(data), max_bytes=max_bytes)
