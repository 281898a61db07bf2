"""Test files for the de-identification tests: every profile attribute filled with a canary value,
and small studies of one participant that reference each other."""

import datetime
from pathlib import Path

import numpy as np
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from screening.research.deid.profile_table import profile_rows

CANARY_DATES_FROM = datetime.date(1931, 1, 1)  # shifted dates (1 to 10 years back) never reach them
_NUMERIC = {"US": 7, "SS": 7, "UL": 7, "SL": 7, "FL": 7.0, "FD": 7.0, "DS": "7", "IS": "7", "AT": 0x00100010}


def canary_text(tag: int) -> str:
    return f"CANARY{tag:08X}"


def canary_uid(tag: int) -> str:
    return f"1.2.826.0.1.999.{tag}"


def canary_date(index: int) -> str:
    return (CANARY_DATES_FROM + datetime.timedelta(days=index)).strftime("%Y%m%d")


def _profile_vr(tag: int) -> str | None:
    try:
        vr = dictionary_VR(tag)
    except KeyError:
        return None
    return vr.split(" or ")[0]


def _value(tag: int, vr: str, index: int) -> tuple[object, str | None]:
    """(value, canary or None) for one attribute of the table."""
    if vr in ("UI",):
        return canary_uid(tag), canary_uid(tag)
    if vr == "DA":
        return canary_date(index), canary_date(index)
    if vr == "DT":
        return canary_date(index) + "101500", canary_date(index)
    if vr == "TM":
        return "101500", None
    if vr == "AS":
        return "042Y", None
    if vr in _NUMERIC:
        return _NUMERIC[vr], None
    if vr in ("OB", "OW", "UN", "OF", "OD", "OL", "OV"):
        return canary_text(tag).encode(), canary_text(tag)
    return canary_text(tag), canary_text(tag)


def fill_profile_attributes(dataset: Dataset, canaries: set[str], skip: frozenset[int] = frozenset()) -> None:
    """Every non-sequence attribute of Table E.1-1 with a canary; each sequence with an item holding some."""
    for index, tag in enumerate(sorted(profile_rows())):
        vr = _profile_vr(tag)
        if vr is None or tag >> 16 in (0x0000, 0x0002) or tag in skip:
            continue
        if vr == "SQ":
            item = Dataset()
            item.PatientName = f"SEQUENCEFAMILY{index}^SEQUENCEGIVEN{index}"
            item.ReferencedSOPInstanceUID = f"1.2.826.0.1.999.7.{index}"
            canaries.update(
                {f"SEQUENCEFAMILY{index}", f"SEQUENCEGIVEN{index}", item.ReferencedSOPInstanceUID}
            )
            dataset.add_new(tag, "SQ", Sequence([item]))
            continue
        value, canary = _value(tag, vr, index)
        dataset.add_new(tag, vr, value)
        if canary:
            canaries.add(canary)


def _private_overlay_curve_icon(dataset: Dataset, canaries: set[str]) -> None:
    block = dataset.private_block(0x0009, "CANARY PRIVATE CREATOR", create=True)
    block.add_new(0x01, "LO", "PRIVATECANARYVALUE")
    inner = Dataset()
    inner.add_new(0x00100010, "PN", "PRIVATESEQFAMILY^PRIVATESEQGIVEN")
    block.add_new(0x02, "SQ", Sequence([inner]))
    dataset.add_new(0x60000022, "LO", "OVERLAYCANARYDESCRIPTION")
    dataset.add_new(0x60003000, "OW", b"OVERLAYCANARYBITS" + b"\x00" * 15)
    dataset.add_new(0x50000022, "LO", "CURVECANARYDESCRIPTION")
    icon = Dataset()
    icon.Rows, icon.Columns, icon.SamplesPerPixel = 4, 8, 1
    icon.PhotometricInterpretation, icon.BitsAllocated, icon.BitsStored, icon.HighBit = "MONOCHROME2", 8, 8, 7
    # Stands as a word (the scan counts a name of plain letters only where no letter touches it).
    icon.PixelRepresentation, icon.PixelData = 0, b"ICONCANARYPIXELS" + b"\x00" * 16
    dataset.IconImageSequence = Sequence([icon])
    canaries.update(
        {
            "CANARY PRIVATE CREATOR",
            "PRIVATECANARYVALUE",
            "PRIVATESEQFAMILY",
            "PRIVATESEQGIVEN",
            "OVERLAYCANARYDESCRIPTION",
            "OVERLAYCANARYBITS",
            "CURVECANARYDESCRIPTION",
            "ICONCANARYPIXELS",
        }
    )


def image_dataset(
    *, sop_uid: str, rows: int = 16, columns: int = 16, pixels: np.ndarray | None = None
) -> Dataset:
    """A small CT image with flat pixels (nothing for the OCR pre-screen to look at)."""
    dataset = Dataset()
    dataset.SOPClassUID, dataset.SOPInstanceUID, dataset.Modality = CTImageStorage, sop_uid, "CT"
    dataset.SpecificCharacterSet = "ISO_IR 100"
    if pixels is None:
        pixels = np.full((rows, columns), 100, dtype=np.uint16)
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation = 1, "MONOCHROME2"
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit, dataset.PixelRepresentation = 16, 16, 15, 0
    dataset.PixelData = np.ascontiguousarray(pixels, dtype="<u2").tobytes()
    return dataset


def write_file(dataset: Dataset, path: Path, *, source_ae: str = "CANARYSOURCEAE") -> Path:
    """Write with file meta (the source AE title is identifying too) and a non-zero preamble."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = (
        dataset.SOPClassUID,
        dataset.SOPInstanceUID,
    )
    meta.TransferSyntaxUID, meta.SourceApplicationEntityTitle = ExplicitVRLittleEndian, source_ae
    dataset.file_meta, dataset.preamble = meta, b"PREAMBLECANARY" + b"\x01" * 114
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.save_as(path, enforce_file_format=True)
    return path


def canary_file(path: Path, skip: frozenset[int] = frozenset()) -> set[str]:
    """A file with every profile attribute, private data, overlay, curve and icon full of canaries."""
    canaries: set[str] = {"CANARYSOURCEAE", "PREAMBLECANARY"}
    dataset = image_dataset(sop_uid=generate_uid())
    fill_profile_attributes(dataset, canaries, skip)
    _private_overlay_curve_icon(dataset, canaries)
    nested = Dataset()
    fill_profile_attributes(nested, canaries, skip)
    dataset.AnatomicRegionSequence = Sequence([nested])  # not in the table: its items are cleaned
    write_file(dataset, path)
    return canaries
