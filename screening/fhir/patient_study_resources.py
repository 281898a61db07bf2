"""FHIR Patient and ImagingStudy resources, built and validated with fhir.resources (R4 family)."""

from datetime import datetime

from django.utils import timezone
from fhir.resources.R4B.imagingstudy import ImagingStudy
from fhir.resources.R4B.patient import Patient as FhirPatient

from screening.imaging.models import Series, Study
from screening.patients.identifiers import NHS_ISSUER
from screening.patients.models import Patient, Sex

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
DICOM_UID_SYSTEM = "urn:dicom:uid"
DICOM_MODALITY_SYSTEM = "http://dicom.nema.org/resources/ontology/DCM"
ACCESSION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
GENDERS = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.OTHER: "other"}


def patient_reference(patient_id: int) -> dict[str, str]:
    return {"reference": f"Patient/{patient_id}"}


def patient_identifier(patient: Patient) -> dict[str, object]:
    """The programme identifier: the NHS number system, else the issuer named as assigner."""
    if patient.issuer == NHS_ISSUER:
        return {"system": NHS_NUMBER_SYSTEM, "value": patient.identifier}
    return {"value": patient.identifier, "assigner": {"display": patient.issuer}}


def patient_resource(patient: Patient) -> FhirPatient:
    """A participant: identifier, name, administrative gender, birth date, deceased date."""
    resource: dict[str, object] = {
        "id": str(patient.pk),
        "identifier": [patient_identifier(patient)],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": GENDERS.get(Sex(patient.sex), "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
    }
    if patient.deceased_on is not None:
        resource["deceasedDateTime"] = patient.deceased_on.isoformat()
    return FhirPatient.model_validate(resource)


def imaging_study_resource(study: Study) -> ImagingStudy:
    """A matched study: its UID and accession, the participant, when, and its series with counts."""
    series = list(study.series.all())
    counts = [_instance_count(one) for one in series]
    resource: dict[str, object] = {
        "id": str(study.pk),
        "status": "available",
        "identifier": [{"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{study.study_instance_uid}"}],
        "subject": patient_reference(study.patient_id or 0),
        "numberOfSeries": len(series),
        "numberOfInstances": sum(counts),
        "series": [
            _series(one, count) for one, count in zip(series, counts, strict=True) if one.series_instance_uid
        ],
    }
    if study.accession_number:
        resource["identifier"].append(  # type: ignore[attr-defined]
            {
                "type": {"coding": [{"system": ACCESSION_TYPE_SYSTEM, "code": "ACSN"}]},
                "value": study.accession_number,
            }
        )
    modalities = sorted({one.modality for one in series if one.modality} | {study.modality} - {""})
    if modalities:
        resource["modality"] = [{"system": DICOM_MODALITY_SYSTEM, "code": code} for code in modalities]
    if started := _started(study):
        resource["started"] = started
    if study.description:
        resource["description"] = study.description
    return ImagingStudy.model_validate(resource)


def _series(series: Series, count: int) -> dict[str, object]:
    item: dict[str, object] = {
        "uid": series.series_instance_uid,
        "modality": {"system": DICOM_MODALITY_SYSTEM, "code": series.modality or "OT"},
        "numberOfInstances": count,
    }
    if series.series_number is not None and series.series_number >= 0:
        item["number"] = series.series_number
    if series.description:
        item["description"] = series.description
    return item


def _instance_count(series: Series) -> int:
    counted = getattr(series, "instance_count", None)
    return int(counted) if counted is not None else len(series.instances.all())


def _started(study: Study) -> str | None:
    """The study date and time as the images state them, in the server's time zone."""
    if study.study_date is None:
        return None
    digits = "".join(ch for ch in study.study_time if ch.isdigit())[:6].ljust(6, "0")
    try:
        moment = datetime.strptime(study.study_date.isoformat() + digits, "%Y-%m-%d%H%M%S")
    except ValueError:
        return study.study_date.isoformat()
    return timezone.make_aware(moment).isoformat()
