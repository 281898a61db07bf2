"""Decompression bombs, generated: small files that declare (or decode to) enormous images.

Each is a valid-looking Part 10 file of a modality intake accepts: an RLE image of 16384 x 16384
(a few MB of runs), a JPEG 2000 frame whose codestream declares 16384 x 16384 (real pydicom files
with their SIZ marker rewritten; the attributes either agree or still say the small size), the
same for JPEG lossless and JPEG-LS frames (their SOF marker rewritten), and a
deflated explicit VR little endian dataset that inflates past the file size limit; 8 and 16 bits.
"""

import zlib
from io import BytesIO

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    RLELossless,
    SecondaryCaptureImageStorage,
    generate_uid,
)

from tests.imaging.conftest import dataset_bytes, pydicom_file_path

BOMB_SIDE = 16384
RUN_OF_128_ZEROS = b"\x81\x00"  # RLE PackBits: the next byte repeated 128 times


def _image(bits: int, *, rows: int = BOMB_SIDE, columns: int = BOMB_SIDE, syntax: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = syntax
    dataset = Dataset()
    dataset.file_meta = meta
    dataset.SOPClassUID, dataset.SOPInstanceUID = (
        SecondaryCaptureImageStorage,
        meta.MediaStorageSOPInstanceUID,
    )
    dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
    dataset.Modality, dataset.PatientID = "OT", "BOMB-1"
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation = 1, "MONOCHROME2"
    dataset.Rows, dataset.Columns = rows, columns
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = bits, bits, bits - 1
    dataset.PixelRepresentation = 0
    return dataset


def rle_bomb(bits: int) -> bytes:
    """16384 x 16384 blank pixels in RLE: 4 MB (8-bit) or 8 MB (16-bit) that decode to 256 or 512 MiB."""
    segment = RUN_OF_128_ZEROS * (BOMB_SIDE * BOMB_SIDE // 128)
    segments = bits // 8
    offsets = [64 + index * len(segment) for index in range(segments)] + [0] * (15 - segments)
    header = segments.to_bytes(4, "little") + b"".join(offset.to_bytes(4, "little") for offset in offsets)
    dataset = _image(bits, syntax=RLELossless)
    dataset.PixelData = encapsulate([header + segment * segments])
    dataset["PixelData"].VR = "OB"
    return dataset_bytes(dataset)


def jpeg2000_bomb(bits: int, *, attributes_agree: bool) -> bytes:
    """A real JPEG 2000 file whose codestream now declares 16384 x 16384."""
    name = "MR_small_jp2klossless.dcm" if bits == 16 else "US1_J2KR.dcm"
    dataset = pydicom.dcmread(pydicom_file_path(name))
    dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
    frame = bytearray(next(generate_frames(dataset.PixelData, number_of_frames=1)))
    siz = frame.index(b"\xff\x4f\xff\x51") + 4
    for field in (4, 8, 20, 24):  # Xsiz, Ysiz, XTsiz, YTsiz: one tile of the whole image
        frame[siz + field : siz + field + 4] = BOMB_SIDE.to_bytes(4, "big")
    dataset.PixelData = encapsulate([bytes(frame)])
    dataset.NumberOfFrames = 1
    if attributes_agree:
        dataset.Rows = dataset.Columns = BOMB_SIDE
    return dataset_bytes(dataset)


def deflate_bomb(bits: int) -> bytes:
    """Deflated explicit VR little endian, 16384 x 16384 blank pixels: < 1 MB inflating to 256+ MiB."""
    dataset = _image(bits, syntax=DeflatedExplicitVRLittleEndian)
    bare = Dataset()
    bare.update(dataset)  # the dataset alone, without its file meta and pixels
    body = BytesIO()
    bare.save_as(body, implicit_vr=False, little_endian=True)
    length = BOMB_SIDE * BOMB_SIDE * bits // 8
    pixel_header = b"\xe0\x7f\x10\x00" + b"OW\x00\x00" + length.to_bytes(4, "little")
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    chunks = [deflater.compress(body.getvalue() + pixel_header)]
    zeros = bytes(16 * 1024 * 1024)
    for _ in range(length // len(zeros)):
        chunks.append(deflater.compress(zeros))
    chunks.append(deflater.flush())
    out = BytesIO()
    out.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(out, dataset.file_meta, enforce_standard=True)
    out.write(b"".join(chunks))
    return out.getvalue()


# Start-of-frame markers: JPEG lossless (process 14) and JPEG-LS (SOF55).
_SOF = {"JPGLosslessP14SV1_1s_1f_8b.dcm": b"\xff\xc3", "MR_small_jpeg_ls_lossless.dcm": b"\xff\xf7"}


def jpeg_family_bomb(name: str) -> bytes:
    """A real JPEG lossless or JPEG-LS file whose frame header now declares 16384 x 16384."""
    dataset = pydicom.dcmread(pydicom_file_path(name))
    dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
    frame = bytearray(next(generate_frames(dataset.PixelData, number_of_frames=1)))
    sof = frame.index(_SOF[name]) + 5  # marker, length (2), precision (1): then Y and X
    frame[sof : sof + 4] = BOMB_SIDE.to_bytes(2, "big") * 2
    dataset.PixelData = encapsulate([bytes(frame)])
    dataset.NumberOfFrames = 1
    return dataset_bytes(dataset)


BOMBS = {
    "rle-8": lambda: rle_bomb(8),
    "rle-16": lambda: rle_bomb(16),
    "jpeg2000-8": lambda: jpeg2000_bomb(8, attributes_agree=True),
    "jpeg2000-16": lambda: jpeg2000_bomb(16, attributes_agree=True),
    "jpeg2000-8-codestream-only": lambda: jpeg2000_bomb(8, attributes_agree=False),
    "jpeg2000-16-codestream-only": lambda: jpeg2000_bomb(16, attributes_agree=False),
    "jpeg-lossless-8-codestream-only": lambda: jpeg_family_bomb("JPGLosslessP14SV1_1s_1f_8b.dcm"),
    "jpeg-ls-16-codestream-only": lambda: jpeg_family_bomb("MR_small_jpeg_ls_lossless.dcm"),
    "deflate-8": lambda: deflate_bomb(8),
    "deflate-16": lambda: deflate_bomb(16),
}
