"""De-identify one DICOM file: burned-in text guard, profile actions, keyed UIDs, OCR, atomic write."""

import contextlib
import datetime
import os
import tempfile
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

from .burned_in_guard import burned_in_risk
from .cleaning_rules import CLEANING_RULES, CleaningRule, blank_rectangles, cleaning_rule_for
from .dataset_cleaning import CleaningContext, clean_dataset
from .identifiers import identifiers_of
from .ocr_guard import pixels_have_text
from .options import DeidOptions
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
    """What became of one file: written (with its new SOP Instance UID) or withheld with a reason."""

    written: bool
    withheld_reason: str | None
    sop_instance_uid: str | None


def _withheld(reason: str) -> FileOutcome:
    return FileOutcome(written=False, withheld_reason=reason, sop_instance_uid=None)


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
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
        items.append(item)
    dataset.DeidentificationMethodCodeSequence = Sequence(items)
    modified = "MODIFIED" if options.retain_dates_shifted else "REMOVED"
    dataset.LongitudinalTemporalInformationModified = modified


def _transfer_syntax(dataset: Dataset) -> str:
    meta = getattr(dataset, "file_meta", None)
    if meta is not None and "TransferSyntaxUID" in meta:
        return str(meta.TransferSyntaxUID)
    implicit, little = dataset.original_encoding
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little else ExplicitVRBigEndian


def _fresh_file_meta(dataset: Dataset, transfer_syntax: str) -> None:
    """New file meta: only what Part 10 needs (the source's AE titles and private info go)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = dataset.SOPClassUID
    meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    meta.TransferSyntaxUID = UID(transfer_syntax)
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    dataset.file_meta = meta
    dataset.preamble = PREAMBLE


def _write_atomically(dataset: Dataset, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".part", dir=dst.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            dataset.save_as(stream, enforce_file_format=True)
        os.replace(temporary, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _pixel_data_complete(dataset: Dataset) -> bool:
    """Native pixel data at least as long as its rows, columns, samples, bits and frames say."""
    if (
        "PixelData" not in dataset
        or dataset.file_meta.get("TransferSyntaxUID", ExplicitVRLittleEndian).is_compressed
    ):
        return True
    try:
        frames = int(dataset.get("NumberOfFrames", 1) or 1)
        samples = int(dataset.Rows) * int(dataset.Columns) * int(dataset.get("SamplesPerPixel", 1)) * frames
        expected = samples * int(dataset.BitsAllocated) // 8
    except (AttributeError, TypeError, ValueError):
        return False
    return len(dataset.PixelData) >= expected


def deidentify_file(
    src: Path,
    dst: Path,
    *,
    pseudonymiser: Pseudonymiser,
    options: DeidOptions,
    participant_id: str,
    participant_pseudonym: str,
    cleaning_rules: tuple[CleaningRule, ...] = CLEANING_RULES,
) -> FileOutcome:
    """De-identify src into dst (written whole, through a temporary file, or not at all)."""
    try:
        dataset = dcmread(src)
    except (InvalidDicomError, OSError, ValueError) as error:
        return _withheld(f"unreadable DICOM ({type(error).__name__})")
    if "SOPInstanceUID" not in dataset or "SOPClassUID" not in dataset:
        return _withheld("no SOP Class or SOP Instance UID")
    if not _pixel_data_complete(dataset):
        return _withheld("pixel data incomplete (truncated file)")
    rule = cleaning_rule_for(dataset, cleaning_rules) if "PixelData" in dataset else None
    risk = burned_in_risk(dataset)
    if risk is not None and rule is None:
        return _withheld(risk)
    if rule is not None:
        blank_rectangles(dataset, rule)
    transfer_syntax = _transfer_syntax(dataset)
    if options.ocr_check and "PixelData" in dataset and pixels_have_text(dataset):
        return _withheld("OCR found text")
    offset = datetime.timedelta(days=pseudonymiser.date_offset_days(participant_id))
    clean_dataset(dataset, CleaningContext(options=options, pseudonymiser=pseudonymiser, date_offset=offset))
    dataset.PatientName = participant_pseudonym
    dataset.PatientID = participant_pseudonym
    _record_method(dataset, options)
    _fresh_file_meta(dataset, transfer_syntax)
    _write_atomically(dataset, dst)
    return FileOutcome(written=True, withheld_reason=None, sop_instance_uid=str(dataset.SOPInstanceUID))
