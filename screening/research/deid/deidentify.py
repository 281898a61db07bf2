"""De-identify one DICOM file: burned-in text guard, profile actions, keyed UIDs, OCR, atomic write."""

import contextlib
import datetime
import os
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.sequence import Sequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from .burned_in_guard import PIXEL_KEYWORDS, burned_in_risk
from .cleaning_rules import CLEANING_RULES, CleaningRule, blank_rectangles, cleaning_rule_for
from .dataset_cleaning import CleaningContext, clean_dataset
from .identifiers import identifiers_in, identifiers_of
from .ocr_guard import pixels_have_text
from .options import DeidOptions
from .pixel_copy import PixelSpan, copy_span, native_length_expected, pixel_span
from .profile_table import profile_edition
from .pseudonyms import Pseudonymiser

__all__ = ["PROFILE_EDITION", "FileOutcome", "deidentify_file", "identifiers_of"]

PROFILE_EDITION: str = profile_edition()
PREAMBLE = b"\x00" * 128
IMPLEMENTATION_VERSION_NAME = "SCREENING_DEID_1"

# CID 7050 De-identification Methods (scheme DCM), one per option applied.
BASIC_PROFILE_CODE = ("113100", "Basic Application Confidentiality Profile")
OPTION_CODES = {
    "retain_dates_shifted": ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
    "retain_patient_characteristics": ("113108", "Retain Patient Characteristics Option"),
    "retain_device_identity": ("113109", "Retain Device Identity Option"),
}


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file: written (with its new SOP Instance UID) or withheld with a reason;
    with the identifiers of the original (identifiers_of, from the same read of the file)."""

    written: bool
    withheld_reason: str | None
    sop_instance_uid: str | None
    identifiers: frozenset[str] = frozenset()
    # With pixels_apart: dst holds the file up to its Pixel Data element, which is this span of
    # src, byte for byte (None: dst holds the whole file).
    pixel_span: PixelSpan | None = None


def _withheld(reason: str, identifiers: frozenset[str] = frozenset()) -> FileOutcome:
    return FileOutcome(written=False, withheld_reason=reason, sop_instance_uid=None, identifiers=identifiers)


def _method_codes(options: DeidOptions) -> list[tuple[str, str]]:
    chosen = [code for option, code in OPTION_CODES.items() if getattr(options, option)]
    return [BASIC_PROFILE_CODE, *chosen]


def _record_method(dataset: Dataset, options: DeidOptions) -> None:
    """(0012,0062/0063/0064) and (0028,0303): what was done, in text and in CID 7050 codes."""
    codes = _method_codes(options)
    dataset.PatientIdentityRemoved = "YES"
    dataset.DeidentificationMethod = [meaning[:64] for _, meaning in codes]
    items = []
    for value, meaning in codes:
        item = Dataset()
        item.add_new(0x00080100, "SH", value)  # Code Value
        item.add_new(0x00080102, "SH", "DCM")  # Coding Scheme Designator
        item.add_new(0x00080104, "LO", meaning)  # Code Meaning
        items.append(item)
    dataset.DeidentificationMethodCodeSequence = Sequence(items)
    modified = "MODIFIED" if options.retain_dates_shifted else "REMOVED"
    dataset.LongitudinalTemporalInformationModified = modified


def _transfer_syntax(dataset: Dataset) -> UID:
    meta = getattr(dataset, "file_meta", None)
    if meta is not None and "TransferSyntaxUID" in meta:
        return UID(meta.TransferSyntaxUID)
    implicit, little = dataset.original_encoding
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little else ExplicitVRBigEndian


def _fresh_file_meta(dataset: Dataset, transfer_syntax: UID) -> None:
    """New file meta: only what Part 10 needs (the source's AE titles and private info go)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = dataset.SOPClassUID
    meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    meta.TransferSyntaxUID = transfer_syntax
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    dataset.file_meta = meta
    dataset.preamble = PREAMBLE


def _write_atomically(
    dataset: Dataset, dst: Path, src: Path, span: PixelSpan | None, *, pixels_apart: bool = False
) -> None:
    """Write the dataset (then the source's pixel span, when given and not kept apart) to a
    temporary file, then rename."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".part", dir=dst.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            dataset.save_as(stream, enforce_file_format=True)
            if span is not None and not pixels_apart:
                with src.open("rb") as source:
                    copy_span(source, stream, span)
        os.replace(temporary, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _pixels_complete(dataset: Dataset, transfer_syntax: UID, span: PixelSpan | None) -> bool:
    """Native pixel data at least as long as its rows, columns, samples, bits and frames say."""
    if transfer_syntax.is_compressed or (span is None and "PixelData" not in dataset):
        return True
    expected = native_length_expected(dataset)
    length = span.value_length if span is not None else len(dataset.PixelData)
    return expected is not None and length >= expected


def _read_header(src: Path) -> tuple[Dataset, UID, PixelSpan | None]:
    """The dataset without its pixel data, its transfer syntax, and where its Pixel Data lies."""
    with src.open("rb") as stream:
        header = dcmread(stream, stop_before_pixels=True)
        transfer_syntax = _transfer_syntax(header)
        implicit, little = header.original_encoding
        span = pixel_span(stream, transfer_syntax, bool(implicit), bool(little))
    return header, transfer_syntax, span


def deidentify_file(
    src: Path,
    dst: Path,
    *,
    pseudonymiser: Pseudonymiser,
    options: DeidOptions,
    participant_id: str,
    participant_pseudonym: str,
    cleaning_rules: tuple[CleaningRule, ...] = CLEANING_RULES,
    pixels_check: Callable[[Dataset], object] | None = None,
    pixels_apart: bool = False,
) -> FileOutcome:
    """De-identify src into dst (written whole, through a temporary file, or not at all).

    Without the OCR check or a device rule the pixels are never decoded: the header is read alone
    and the Pixel Data element is copied byte for byte (pixel_copy). Before decoding them,
    `pixels_check` (raising ValueError) may refuse an image too big to decode; it is withheld.
    The outcome carries the original's identifiers under these options, so the caller's canary
    scan needs no second read. With `pixels_apart`, a file whose Pixel Data element is copied byte
    for byte is written without it: dst ends where that element begins and the outcome's
    `pixel_span` says where it lies in src (the package writer streams it from there, once).
    """
    identifiers: frozenset[str] = frozenset()
    try:
        dataset, transfer_syntax, span = _read_header(src)
        identifiers = frozenset(identifiers_in(dataset, options))
        rule = cleaning_rule_for(dataset, cleaning_rules)
        if span is None or options.ocr_check or rule is not None:
            dataset, span = dcmread(src), None
    except (InvalidDicomError, OSError, ValueError, struct.error) as error:
        return _withheld(f"unreadable DICOM ({type(error).__name__})", identifiers)
    if "SOPInstanceUID" not in dataset or "SOPClassUID" not in dataset:
        return _withheld("no SOP Class or SOP Instance UID", identifiers)
    if not _pixels_complete(dataset, transfer_syntax, span):
        return _withheld("pixel data incomplete (truncated file)", identifiers)
    has_pixels = span is not None or any(keyword in dataset for keyword in PIXEL_KEYWORDS)
    risk = burned_in_risk(dataset, has_pixels=has_pixels)
    if risk is not None and (rule is None or not has_pixels):
        return _withheld(risk, identifiers)
    if (rule is not None or options.ocr_check) and "PixelData" in dataset:
        try:  # decode nothing the caller's bounds refuse (a file stored before intake bounded it)
            if pixels_check is not None:
                pixels_check(dataset)
        except ValueError as error:
            return _withheld(f"pixels not decoded: {error}", identifiers)
    if rule is not None and "PixelData" in dataset:
        blank_rectangles(dataset, rule)
        transfer_syntax = dataset.file_meta.TransferSyntaxUID
    if options.ocr_check and "PixelData" in dataset and pixels_have_text(dataset):
        return _withheld("OCR found text", identifiers)
    offset = datetime.timedelta(days=pseudonymiser.date_offset_days(participant_id))
    clean_dataset(dataset, CleaningContext(options=options, pseudonymiser=pseudonymiser, date_offset=offset))
    dataset.PatientName = participant_pseudonym
    dataset.PatientID = participant_pseudonym
    _record_method(dataset, options)
    _fresh_file_meta(dataset, transfer_syntax)
    _write_atomically(dataset, dst, src, span, pixels_apart=pixels_apart)
    return FileOutcome(
        written=True,
        withheld_reason=None,
        sop_instance_uid=str(dataset.SOPInstanceUID),
        identifiers=identifiers,
        pixel_span=span if pixels_apart else None,
    )
