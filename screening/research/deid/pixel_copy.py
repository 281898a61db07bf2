"""Write a de-identified header and copy the source's Pixel Data element byte for byte.

The profile never changes pixels (unless a device rule blanks them, which takes the slow path), so
the pixel data need not pass through Python: the header is read without it, cleaned and written by
pydicom, and the Pixel Data element is copied from the source file by the kernel. Whatever followed
it in the source (private groups above 7FE0, digital signatures, trailing padding) is all removed by
the profile anyway, so it is not copied.
"""

import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

from pydicom.dataset import Dataset
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian

PIXEL_DATA_TAG = 0x7FE00010
_UNDEFINED = 0xFFFFFFFF
_ITEM, _SEQUENCE_DELIMITER = 0xFFFEE000, 0xFFFEE0DD


@dataclass(frozen=True)
class PixelSpan:
    """Where the Pixel Data element lies in the source (its tag up to the end of its value)."""

    start: int
    end: int
    value_length: int  # of the native value; 0 for encapsulated (compressed) data


def _tag(raw: bytes, little: bool) -> int:
    group, element = struct.unpack("<HH" if little else ">HH", raw)
    return group << 16 | element


def pixel_span(stream: BinaryIO, transfer_syntax: UID, implicit: bool, little: bool) -> PixelSpan | None:
    """The Pixel Data element at the stream's position, or None (none there, or a deflated file)."""
    if transfer_syntax == DeflatedExplicitVRLittleEndian:
        return None
    start = stream.tell()
    header = stream.read(8)
    if len(header) < 8 or _tag(header[:4], little) != PIXEL_DATA_TAG:
        return None
    order = "<" if little else ">"
    if implicit:
        (length,) = struct.unpack(order + "L", header[4:8])
    else:
        (length,) = struct.unpack(order + "L", stream.read(4))
    value_start, size = stream.tell(), os.fstat(stream.fileno()).st_size
    if length != _UNDEFINED:
        if value_start + length > size:
            return None  # truncated: the slow path reads what there is and judges it
        return PixelSpan(start=start, end=value_start + length, value_length=length)
    while stream.tell() <= size:  # encapsulated: items of defined length up to the delimiter
        item = stream.read(8)
        if len(item) < 8:
            return None
        tag, item_length = _tag(item[:4], little), struct.unpack(order + "L", item[4:8])[0]
        if tag == _SEQUENCE_DELIMITER:
            return PixelSpan(start=start, end=stream.tell(), value_length=0)
        if tag != _ITEM:
            return None
        stream.seek(item_length, os.SEEK_CUR)
    return None


def native_length_expected(dataset: Dataset) -> int | None:
    """Bytes the native pixel data must hold; None when the header cannot say."""
    try:
        frames = int(dataset.get("NumberOfFrames", 1) or 1)
        samples = int(dataset.Rows) * int(dataset.Columns) * int(dataset.get("SamplesPerPixel", 1) or 1)
        return samples * frames * int(dataset.BitsAllocated) // 8
    except (AttributeError, TypeError, ValueError):
        return None


def copy_span(source: BinaryIO, target: BinaryIO, span: PixelSpan) -> None:
    """Append the span's bytes from source to target (copy_file_range where the system has it)."""
    target.flush()
    offset, remaining = span.start, span.end - span.start
    try:
        while remaining:
            copied = os.copy_file_range(source.fileno(), target.fileno(), remaining, offset)
            if not copied:
                raise OSError("source ended early")
            offset, remaining = offset + copied, remaining - copied
        target.seek(0, os.SEEK_END)
        return
    except (AttributeError, OSError):
        target.seek(0, os.SEEK_END)  # fall back to plain reads and writes from where it got to
    source.seek(offset)
    while remaining:
        chunk = source.read(min(remaining, 8 * 1024 * 1024))
        if not chunk:
            raise OSError("source ended early")
        target.write(chunk)
        remaining -= len(chunk)
