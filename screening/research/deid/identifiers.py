"""The identifying values of an original file: what the package's canary scan must not find."""

from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset

from .attribute_actions import tag_vr, uid_is_kept
from .options import DeidOptions

IDENTIFYING_KEYWORDS = frozenset(
    {
        "PatientID",
        "OtherPatientIDs",
        "IssuerOfPatientID",
        "PatientBirthDate",
        "PatientAddress",
        "PatientTelephoneNumbers",
        "MedicalRecordLocator",
        "AccessionNumber",
        "StudyID",
        "AdmissionID",
        "RequestedProcedureID",
        "ScheduledProcedureStepID",
        "PerformedProcedureStepID",
        "InstitutionName",
        "InstitutionAddress",
        "InstitutionalDepartmentName",
        "ClinicalTrialSubjectID",
    }
)
# Retained under the Retain Device Identity option, so only listed without it.
DEVICE_KEYWORDS = frozenset({"StationName", "DeviceSerialNumber", "DetectorID", "PlateID"})


def _strings(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple) or type(value).__name__ == "MultiValue":
        return [str(item) for item in value]  # type: ignore[attr-defined]
    return [str(value)]


def _person_name_forms(name: str) -> set[str]:
    forms = {name}
    for group in name.split("="):
        forms.add(group)
        forms.update(group.split("^"))
    return forms


def _collect(dataset: Dataset, keywords: frozenset[str], found: set[str]) -> None:
    for element in dataset:
        vr = element.VR if element.VR not in ("UN", None) else (tag_vr(element.tag) or "UN")
        if vr == "SQ":
            for item in element.value or ():
                _collect(item, keywords, found)
        elif vr == "PN":
            for name in _strings(element.value):
                found.update(_person_name_forms(name))
        elif vr == "UI":
            uids = (value.strip("\x00 ") for value in _strings(element.value))
            found.update(uid for uid in uids if not uid_is_kept(element.tag, uid))
        elif element.keyword in keywords:
            found.update(_strings(element.value))


def identifiers_of(src: Path, options: DeidOptions | None = None) -> set[str]:
    """Names (and their parts), ids, birth date, UIDs, accession, institution, device ids of a file."""
    dataset = dcmread(src, stop_before_pixels=True)
    retain_device = options is not None and options.retain_device_identity
    keywords = IDENTIFYING_KEYWORDS if retain_device else IDENTIFYING_KEYWORDS | DEVICE_KEYWORDS
    found: set[str] = set()
    _collect(dataset, keywords, found)
    if "file_meta" in dir(dataset):
        _collect(dataset.file_meta, keywords, found)
    return {value.strip(" \x00") for value in found if value.strip(" \x00")}
