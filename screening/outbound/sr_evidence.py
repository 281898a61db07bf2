"""What the outbound objects take from the source study: its patient and study attributes as the
modality sent them (so the PACS files them with the images), references to its images, and UIDs
derived from what they describe (the same result built twice gets the same UIDs)."""

from collections.abc import Iterable

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from screening.imaging.models import Instance, Study
from screening.outbound import sr_codes

MANUFACTURER = "Screening programme manager"
# Series numbers of what this product adds to a study (apart from the modality's own series).
AI_RESULT_SERIES = 9001
HEATMAP_SERIES = 9002
REPORT_SERIES = 9003


def derived_uid(*parts: object) -> str:
    """A UID derived from `parts` (stable across runs, distinct for distinct parts)."""
    return str(generate_uid(entropy_srcs=[str(part) for part in parts]))


def study_header(study: Study) -> Dataset:
    """The patient and study attributes of `study` as a dataset (the modality's own values)."""
    header = Dataset()
    header.SpecificCharacterSet = "ISO_IR 192"
    header.StudyInstanceUID = study.study_instance_uid
    header.PatientID = study.dicom_patient_id
    header.PatientName = study.dicom_patient_name
    header.PatientBirthDate = study.dicom_birth_date.strftime("%Y%m%d") if study.dicom_birth_date else ""
    header.PatientSex = study.dicom_sex if study.dicom_sex in ("M", "F", "O") else ""
    header.AccessionNumber = study.accession_number
    header.StudyID = ""
    header.StudyDate = study.study_date.strftime("%Y%m%d") if study.study_date else ""
    header.StudyTime = (study.study_time or "").split(".")[0][:6]
    header.ReferringPhysicianName = ""
    if study.dicom_issuer:
        header.IssuerOfPatientID = study.dicom_issuer
    return header


def instance_evidence(study: Study, instances: Iterable[Instance]) -> list[Dataset]:
    """One dataset per image, as the SR's evidence: the header plus the image's series and SOP."""
    header = study_header(study)
    evidence = []
    for instance in instances:
        item = Dataset()
        item.update(header)
        item.SeriesInstanceUID = instance.series.series_instance_uid
        item.SOPClassUID = instance.sop_class_uid
        item.SOPInstanceUID = instance.sop_instance_uid
        evidence.append(item)
    return evidence


def local_scheme_declare(document: Dataset) -> None:
    """Name this product's coding scheme in the document (PS3.3 C.12.1.1.3.1)."""
    scheme = Dataset()
    scheme.CodingSchemeDesignator = sr_codes.LOCAL_SCHEME
    scheme.CodingSchemeName = sr_codes.LOCAL_SCHEME_NAME
    scheme.CodingSchemeResponsibleOrganization = sr_codes.LOCAL_SCHEME_NAME
    document.CodingSchemeIdentificationSequence = [scheme]
