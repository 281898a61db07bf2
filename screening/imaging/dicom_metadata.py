"""What later stages need from a validated instance: matching, worklist, rendering and AI inputs."""

import hashlib
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydicom.dataset import Dataset
from pydicom.valuerep import PersonName

from screening.imaging.dicom_validation import ValidatedInstance

LATERALITIES = frozenset({"R", "L"})


@dataclass(frozen=True)
class InstanceMetadata:
    """One instance's attributes, cut to the lengths the models hold; UIDs are validated."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    # Who and when (identifying: kept on the study row, never logged or audited).
    patient_id: str
    patient_id_issuer: str
    patient_name: str
    patient_birth_date: date | None
    patient_sex: str
    study_date: date | None
    study_time: str
    accession_number: str
    study_description: str
    # What.
    modality: str
    body_part: str
    series_number: int | None
    series_description: str
    instance_number: int | None
    laterality: str
    view_position: str
    manufacturer: str
    manufacturer_model: str
    software_versions: str
    # Pixels and geometry.
    rows: int
    columns: int
    frames: int
    bits_stored: int | None
    photometric_interpretation: str
    pixel_spacing: list[float] | None
    slice_thickness: float | None
    slice_location: float | None
    image_position: list[float] | None
    image_orientation: list[float] | None
    burned_in_annotation: bool | None
    # Acquisition (monitoring's input drift: docs/monitoring.md).
    kvp: float | None
    exposure_mas: float | None
    implant_present: bool | None
    # The file as received.
    size_bytes: int
    sha256: str


def metadata_extract(validated: ValidatedInstance, *, data: bytes) -> InstanceMetadata:
    """Read the attributes of a validated dataset; absent or malformed optional ones become empty."""
    ds = validated.dataset
    return InstanceMetadata(
        study_instance_uid=validated.study_instance_uid,
        series_instance_uid=validated.series_instance_uid,
        sop_instance_uid=validated.sop_instance_uid,
        sop_class_uid=validated.sop_class_uid,
        transfer_syntax_uid=validated.transfer_syntax_uid,
        patient_id=_text(ds, "PatientID", 64),
        patient_id_issuer=_text(ds, "IssuerOfPatientID", 64),
        patient_name=_text(ds, "PatientName", 200),
        patient_birth_date=_date(ds.get("PatientBirthDate")),
        patient_sex=_choice(_text(ds, "PatientSex", 1), {"F", "M", "O"}),
        study_date=_date(ds.get("StudyDate")),
        study_time=_text(ds, "StudyTime", 16),
        accession_number=_text(ds, "AccessionNumber", 16),
        study_description=_text(ds, "StudyDescription", 64),
        modality=_text(ds, "Modality", 16).upper(),
        body_part=_text(ds, "BodyPartExamined", 16).upper(),
        series_number=_integer(ds.get("SeriesNumber")),
        series_description=_text(ds, "SeriesDescription", 64),
        instance_number=_integer(ds.get("InstanceNumber")),
        laterality=_choice(
            (_text(ds, "ImageLaterality", 1) or _text(ds, "Laterality", 1)).upper(), LATERALITIES
        ),
        view_position=_text(ds, "ViewPosition", 16).upper(),
        manufacturer=_text(ds, "Manufacturer", 64),
        manufacturer_model=_text(ds, "ManufacturerModelName", 64),
        software_versions=_text(ds, "SoftwareVersions", 128),
        rows=_integer(ds.get("Rows")) or 0,
        columns=_integer(ds.get("Columns")) or 0,
        frames=_integer(ds.get("NumberOfFrames")) or 1,
        bits_stored=_integer(ds.get("BitsStored")),
        photometric_interpretation=_text(ds, "PhotometricInterpretation", 16),
        pixel_spacing=_floats(_geometry(ds, "PixelSpacing") or ds.get("ImagerPixelSpacing"), 2),
        slice_thickness=_float(_geometry(ds, "SliceThickness")),
        slice_location=_float(ds.get("SliceLocation")),
        image_position=_floats(_geometry(ds, "ImagePositionPatient"), 3),
        image_orientation=_floats(_geometry(ds, "ImageOrientationPatient"), 6),
        burned_in_annotation=_yes_no(ds.get("BurnedInAnnotation")),
        kvp=_float(ds.get("KVP")),
        exposure_mas=_exposure_mas(ds),
        implant_present=_yes_no(ds.get("BreastImplantPresent")),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _exposure_mas(ds: Dataset) -> float | None:
    """Exposure in mAs: Exposure (0018,1152), else ExposureInuAs (0018,1153) / 1000."""
    exposure = _float(ds.get("Exposure"))
    if exposure is not None:
        return exposure
    micro = _float(ds.get("ExposureInuAs"))
    return None if micro is None else micro / 1000


# Enhanced (multi-frame) objects keep geometry in functional group macros, not at the top level.
_FUNCTIONAL_GROUP_MACRO = {
    "PixelSpacing": "PixelMeasuresSequence",
    "SliceThickness": "PixelMeasuresSequence",
    "ImagePositionPatient": "PlanePositionSequence",
    "ImageOrientationPatient": "PlaneOrientationSequence",
}


def _geometry(ds: Dataset, keyword: str) -> Any:
    """A geometry attribute at the top level, else from the shared or first per-frame group."""
    value = ds.get(keyword)
    if value not in (None, ""):
        return value
    macro = _FUNCTIONAL_GROUP_MACRO[keyword]
    for groups_keyword in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        groups = ds.get(groups_keyword)
        if not groups:
            continue
        items = groups[0].get(macro)
        if items and items[0].get(keyword) not in (None, ""):
            return items[0].get(keyword)
    return None


def _text(ds: Dataset, keyword: str, max_length: int) -> str:
    """The value in its DICOM string form: values joined by backslashes, a Person Name whole.

    A ``PersonName`` is iterable (over its characters), so it is told apart from a multi-value
    before anything is joined: ``Yamada^Tarou=山田^太郎`` keeps its groups and empty components.
    """
    value = ds.get(keyword)
    if value is None:
        return ""
    if isinstance(value, PersonName):
        value = str(value)
    elif not isinstance(value, str | bytes) and hasattr(value, "__iter__"):
        value = "\\".join(str(part) for part in value)
    text = str(value).replace("\x00", "").strip()
    return "".join(ch for ch in text if ch.isprintable())[:max_length]


def _choice(value: str, allowed: set[str] | frozenset[str]) -> str:
    return value if value in allowed else ""


def _date(value: Any) -> date | None:
    text = str(value or "").strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _integer(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    # Fits the database's integer column; anything else is not a real series or instance number.
    return number if -(2**31) <= number < 2**31 else None


def _float(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _floats(value: Any, count: int) -> list[float] | None:
    """A multi-valued decimal of exactly `count` finite numbers (JSON cannot hold NaN), else None."""
    if value in (None, ""):
        return None
    parts = list(value) if not isinstance(value, str | bytes) and hasattr(value, "__iter__") else [value]
    numbers = [_float(part) for part in parts]
    if len(numbers) != count or any(number is None for number in numbers):
        return None
    return [float(number) for number in numbers if number is not None]


def _yes_no(value: Any) -> bool | None:
    text = str(value or "").strip().upper()
    return {"YES": True, "NO": False}.get(text)
