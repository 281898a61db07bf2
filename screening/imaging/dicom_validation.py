"""Checks a DICOM Part 10 file must pass before anything of it is stored.

Pure functions of the bytes and the intake limits (no database, no storage): each refusal is a
`DicomRejection` carrying a short reason code and a message a sender can act on.
"""

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import pydicom
from django.conf import settings
from pydicom.config import disable_value_validation
from pydicom.dataset import Dataset
from pydicom.encaps import generate_fragments
from pydicom.tag import Tag
from pydicom.uid import DeflatedExplicitVRLittleEndian

from inference.pixel_bounds import PixelBoundsError, deflated_bytes_check
from screening.imaging.image_limits import (
    DEFAULT_MAX_DECODED_FRAME_BYTES,
    ModalityImageLimits,
    image_limits_problem,
    image_limits_table,
    max_decoded_frame_bytes,
)

PREAMBLE_LENGTH = 128
PREFIX = b"DICM"
HEADER_LENGTH = PREAMBLE_LENGTH + len(PREFIX)
# A dual-personality file may start with a TIFF header instead of zeros (PS3.10 7.5).
TIFF_HEADERS = (b"II*\x00", b"MM\x00*")
UID_MAX_LENGTH = 64
_UID_GRAMMAR = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")
UNDEFINED_LENGTH = 0xFFFFFFFF
PIXEL_DATA_TAGS = (Tag(0x7FE0, 0x0010), Tag(0x7FE0, 0x0008), Tag(0x7FE0, 0x0009))
ALLOWED_BITS_ALLOCATED = frozenset({1, 8, 16, 32, 64})
ALLOWED_SAMPLES_PER_PIXEL = frozenset({1, 3, 4})


class RejectionReason:
    """Reason codes kept in IntakeRejection.reason (at most 32 characters)."""

    TOO_LARGE = "too_large"
    NOT_DICOM = "not_dicom"
    BAD_PREAMBLE = "bad_preamble"
    UNPARSABLE = "unparsable"
    TRUNCATED = "truncated"
    MISSING_ATTRIBUTE = "missing_attribute"
    INVALID_UID = "invalid_uid"
    SOP_CLASS_NOT_ALLOWED = "sop_class_not_allowed"
    BAD_DIMENSIONS = "bad_dimensions"
    IMAGE_TOO_LARGE = "image_too_large"
    PIXEL_DATA_LENGTH = "pixel_data_length"
    UID_CONFLICT = "uid_conflict"
    ARCHIVE_INVALID = "archive_invalid"
    ARCHIVE_TOO_MANY_ENTRIES = "archive_too_many_entries"
    ARCHIVE_TOO_LARGE = "archive_too_large"
    ARCHIVE_BOMB = "archive_compression_ratio"
    ARCHIVE_UNSAFE_ENTRY = "archive_unsafe_entry"
    ARCHIVE_NESTED = "archive_nested"


class DicomRejection(Exception):
    """Input refused at intake, with a reason code and a message for the sender."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class IntakeLimits:
    """The configured bounds (settings DICOM_*), read once per intake call."""

    max_file_bytes: int
    max_rows: int
    max_columns: int
    max_frames: int
    max_total_pixels: int
    allowed_sop_classes: frozenset[str]
    image_limits: Mapping[str, ModalityImageLimits] = field(default_factory=image_limits_table)
    max_decoded_frame_bytes: int = DEFAULT_MAX_DECODED_FRAME_BYTES

    @classmethod
    def from_settings(cls) -> "IntakeLimits":
        return cls(
            max_file_bytes=settings.DICOM_MAX_FILE_BYTES,
            max_rows=settings.DICOM_MAX_ROWS,
            max_columns=settings.DICOM_MAX_COLUMNS,
            max_frames=settings.DICOM_MAX_FRAMES,
            max_total_pixels=getattr(settings, "DICOM_MAX_TOTAL_PIXELS", 2**31),
            allowed_sop_classes=frozenset(settings.DICOM_ALLOWED_SOP_CLASSES),
            image_limits=image_limits_table(),
            max_decoded_frame_bytes=max_decoded_frame_bytes(),
        )


@dataclass(frozen=True)
class ValidatedInstance:
    """A dataset that passed every check, with the UIDs storage paths are built from."""

    dataset: Dataset
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str


# pydicom's value validation is process-wide; the lock keeps one quiet section from ending another's.
_QUIET_LOCK = threading.Lock()


@contextmanager
def pydicom_quiet() -> Iterator[None]:
    """Parse or write without pydicom's value warnings: they quote raw values (names, identifiers)
    into the log. Intake checks what it needs itself."""
    with _QUIET_LOCK, disable_value_validation():
        yield


def uid_is_valid(value: str) -> bool:
    """The DICOM UID grammar (PS3.5 9.1): dot-separated numbers without leading zeros, <= 64 chars."""
    return 0 < len(value) <= UID_MAX_LENGTH and _UID_GRAMMAR.fullmatch(value) is not None


def instance_validate(data: bytes, limits: IntakeLimits) -> ValidatedInstance:
    """Run every intake check on one Part 10 file; raises DicomRejection at the first failure."""
    size_check(len(data), limits)
    header_check(data)
    inflated_size_check(data, limits)
    dataset = dataset_parse(data)
    uids = _required_uids(dataset)
    if uids["sop_class_uid"] not in limits.allowed_sop_classes:
        raise DicomRejection(
            RejectionReason.SOP_CLASS_NOT_ALLOWED,
            f"SOP class {uids['sop_class_uid']} is not an image type this programme accepts.",
        )
    dimensions_check(dataset, limits)
    pixel_data_check(dataset, uids["transfer_syntax_uid"])
    problem = image_limits_problem(dataset, limits.image_limits, limits.max_decoded_frame_bytes)
    if problem:
        raise DicomRejection(RejectionReason.IMAGE_TOO_LARGE, problem)
    return ValidatedInstance(dataset=dataset, **uids)


def size_check(size: int, limits: IntakeLimits) -> None:
    if size > limits.max_file_bytes:
        raise DicomRejection(
            RejectionReason.TOO_LARGE,
            f"The file is {size} bytes; the limit is {limits.max_file_bytes} bytes.",
        )


def inflated_size_check(data: bytes, limits: IntakeLimits) -> None:
    """A deflated dataset may inflate to no more than the file size limit (checked chunk by chunk)."""
    try:
        deflated_bytes_check(data, max_bytes=limits.max_file_bytes)
    except PixelBoundsError as error:
        raise DicomRejection(RejectionReason.TOO_LARGE, f"{str(error).capitalize()}.") from error


def header_check(data: bytes) -> None:
    """A 128-byte preamble of zeros (or a TIFF header) followed by 'DICM'."""
    if len(data) < HEADER_LENGTH or data[PREAMBLE_LENGTH:HEADER_LENGTH] != PREFIX:
        raise DicomRejection(
            RejectionReason.NOT_DICOM, "Not a DICOM Part 10 file (no 'DICM' prefix after the preamble)."
        )
    preamble = data[:PREAMBLE_LENGTH]
    if preamble.count(0) != PREAMBLE_LENGTH and not preamble.startswith(TIFF_HEADERS):
        # A preamble is the one place a file can carry an executable or script unnoticed.
        raise DicomRejection(
            RejectionReason.BAD_PREAMBLE,
            "The 128-byte preamble holds data other than zeros or a TIFF header; the file is quarantined.",
        )


def dataset_parse(data: bytes) -> Dataset:
    """Parse the whole file and check every element's structure, so no malformed value surfaces later."""
    with pydicom_quiet():
        return _dataset_parse(data)


def _dataset_parse(data: bytes) -> Dataset:
    try:
        dataset = pydicom.dcmread(BytesIO(data), force=False)
    except Exception as exc:  # pydicom raises many types on malformed input
        raise DicomRejection(
            RejectionReason.UNPARSABLE, f"The file cannot be parsed as DICOM ({_kind(exc)})."
        ) from exc
    _declared_lengths_check(dataset, len(data))
    try:
        for _element in dataset.file_meta.iterall():
            pass
        elements_check(dataset)
    except Exception as exc:
        raise DicomRejection(
            RejectionReason.UNPARSABLE, f"An attribute of the file holds a malformed value ({_kind(exc)})."
        ) from exc
    return dataset


def elements_check(dataset: Dataset) -> None:
    """Every element of the dataset (and of its sequences' items) can be converted to its value.

    The same guarantee as converting every element, at a fraction of the cost: a value of a text
    or byte VR cannot fail to convert with pydicom's value validation off (text is decoded with
    replacement), and one of a fixed-size binary VR fails only when its length is not a multiple
    of the value size, which is checked here. Everything else (sequences, DS and IS numbers, an
    unknown or UN VR resolved from the dictionary, anything already converted) is converted.
    Private data elements are left as sent where they do not convert: in implicit VR pydicom guesses
    their VR from its private dictionaries, and a value that does not fit the guess (or a private
    value of the wrong length) is the sender's business, not a malformed file.
    """
    for tag in dataset.keys():  # noqa: SIM118 - iterating a Dataset would convert every element
        element: Any = dataset.get_item(tag)
        vr = getattr(element, "VR", None)
        if getattr(element, "is_raw", False) and vr in _UNCONVERTED_VRS:
            size = _BINARY_VALUE_SIZES.get(vr)
            if size and len(element.value or b"") % size and not _is_private_data_element(tag):
                raise ValueError("The value length is not a multiple of its value size.")
            continue
        try:
            converted = dataset[tag]
        except Exception:
            if _is_private_data_element(tag):
                continue
            raise
        if converted.VR == "SQ":
            for item in converted.value:
                elements_check(item)


def _is_private_data_element(tag: Any) -> bool:
    """A private element other than a private creator (PS3.5 7.8.1)."""
    element = Tag(tag)
    return element.is_private and not element.is_private_creator


# Values of these VRs need no conversion to be known sound: text and bytes always convert; fixed-size
# binary numbers convert when their length is a multiple of the value size.
_BINARY_VALUE_SIZES = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "SV": 8, "UV": 8, "AT": 4}
_TEXT_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DT", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
)
_BYTES_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW"})
_UNCONVERTED_VRS = _TEXT_VRS | _BYTES_VRS | frozenset(_BINARY_VALUE_SIZES)


def _declared_lengths_check(dataset: Dataset, size: int) -> None:
    """No top-level element may claim more bytes than the file holds (a truncated or forged length)."""
    transfer_syntax = dataset.file_meta.get("TransferSyntaxUID")
    if transfer_syntax == DeflatedExplicitVRLittleEndian:
        return  # offsets are in the inflated stream; the parser already read it whole
    for tag in list(dataset.keys()):
        element: Any = dataset.get_item(tag, keep_deferred=True)
        length = getattr(element, "length", None)
        tell = getattr(element, "value_tell", None)
        if length is None or tell is None or length == UNDEFINED_LENGTH:
            continue
        if tell + length > size:
            raise DicomRejection(
                RejectionReason.TRUNCATED,
                f"Attribute {Tag(tag)} declares {length} bytes but the file ends before them.",
            )


def _required_uids(dataset: Dataset) -> dict[str, str]:
    values = {
        "study_instance_uid": _text(dataset.get("StudyInstanceUID")),
        "series_instance_uid": _text(dataset.get("SeriesInstanceUID")),
        "sop_instance_uid": _text(dataset.get("SOPInstanceUID")),
        "sop_class_uid": _text(dataset.get("SOPClassUID")),
        "transfer_syntax_uid": _text(dataset.file_meta.get("TransferSyntaxUID")),
    }
    for name, value in values.items():
        if not value:
            raise DicomRejection(RejectionReason.MISSING_ATTRIBUTE, f"The file has no {_label(name)}.")
        if not uid_is_valid(value):
            # The value is not echoed: it may be a path or a script, and it goes into pages and logs.
            raise DicomRejection(RejectionReason.INVALID_UID, f"The {_label(name)} is not a valid DICOM UID.")
    return values


def dimensions_check(dataset: Dataset, limits: IntakeLimits) -> None:
    rows = _integer(dataset, "Rows")
    columns = _integer(dataset, "Columns")
    frames = _integer(dataset, "NumberOfFrames", default=1)
    if rows is None or columns is None:
        raise DicomRejection(RejectionReason.MISSING_ATTRIBUTE, "The image has no Rows or Columns.")
    if not (1 <= rows <= limits.max_rows and 1 <= columns <= limits.max_columns):
        raise DicomRejection(
            RejectionReason.BAD_DIMENSIONS,
            f"Image size {rows} x {columns} is outside 1..{limits.max_rows} x 1..{limits.max_columns}.",
        )
    if frames is None or not 1 <= frames <= limits.max_frames:
        raise DicomRejection(
            RejectionReason.BAD_DIMENSIONS, f"The number of frames must be 1..{limits.max_frames}."
        )
    if rows * columns * frames > limits.max_total_pixels:
        raise DicomRejection(
            RejectionReason.BAD_DIMENSIONS,
            f"The image holds {rows * columns * frames} pixels; the limit is {limits.max_total_pixels}.",
        )


def pixel_data_check(dataset: Dataset, transfer_syntax_uid: str) -> None:
    """Pixel data present, of the length its attributes announce (or well-formed fragments)."""
    tag = next((tag for tag in PIXEL_DATA_TAGS if tag in dataset), None)
    if tag is None:
        raise DicomRejection(RejectionReason.MISSING_ATTRIBUTE, "The file holds no pixel data.")
    value = dataset[tag].value
    if not isinstance(value, bytes | bytearray) or not value:
        raise DicomRejection(RejectionReason.PIXEL_DATA_LENGTH, "The pixel data is empty.")
    bits = _integer(dataset, "BitsAllocated")
    samples = _integer(dataset, "SamplesPerPixel", default=1)
    if bits not in ALLOWED_BITS_ALLOCATED or samples not in ALLOWED_SAMPLES_PER_PIXEL:
        raise DicomRejection(
            RejectionReason.BAD_DIMENSIONS, "Bits Allocated or Samples per Pixel has an impossible value."
        )
    if pydicom.uid.UID(transfer_syntax_uid).is_encapsulated:
        _fragments_check(value)
        return
    rows, columns = _integer(dataset, "Rows") or 0, _integer(dataset, "Columns") or 0
    frames = _integer(dataset, "NumberOfFrames", default=1) or 1
    bit_count = rows * columns * frames * samples * bits
    expected = (bit_count + 7) // 8
    actual = len(value)
    if actual != expected and not (expected % 2 == 1 and actual == expected + 1):
        raise DicomRejection(
            RejectionReason.PIXEL_DATA_LENGTH,
            f"The pixel data holds {actual} bytes; its attributes announce {expected}.",
        )


def _fragments_check(value: bytes | bytearray) -> None:
    try:
        fragments = sum(1 for _fragment in generate_fragments(bytes(value)))
    except Exception as exc:
        raise DicomRejection(
            RejectionReason.PIXEL_DATA_LENGTH, f"The compressed pixel data is malformed ({_kind(exc)})."
        ) from exc
    if fragments == 0:
        raise DicomRejection(RejectionReason.PIXEL_DATA_LENGTH, "The compressed pixel data has no fragments.")


def _integer(dataset: Dataset, keyword: str, default: int | None = None) -> int | None:
    value = dataset.get(keyword)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip().rstrip("\x00").strip()


def _label(name: str) -> str:
    return {
        "study_instance_uid": "Study Instance UID",
        "series_instance_uid": "Series Instance UID",
        "sop_instance_uid": "SOP Instance UID",
        "sop_class_uid": "SOP Class UID",
        "transfer_syntax_uid": "Transfer Syntax UID",
    }[name]


def _kind(exc: BaseException) -> str:
    """The exception's type only: its text may quote bytes of the file."""
    return type(exc).__name__
