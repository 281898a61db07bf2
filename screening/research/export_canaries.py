"""The identifiers an export's package must not contain, from the database (the files' own are
added by the de-identification engine's identifiers_of as each file is read)."""

from screening.imaging.models import Instance, Series
from screening.research.export_cohort import Cohort

# Shorter values (a sex code, a two-letter initial, an age) would match by chance in pixel data.
MIN_CANARY_CHARS = 4


def database_canaries(cohort: Cohort) -> set[str]:
    """Names, identifiers, birth dates, contact details and original UIDs of the cohort."""
    values: set[str] = set()
    study_ids = []
    for facts in cohort.facts:
        study, patient = facts.study, facts.study.patient
        study_ids.append(study.pk)
        values |= {
            study.study_instance_uid,
            study.accession_number,
            study.dicom_patient_id,
            study.dicom_patient_name,
        }
        if study.dicom_birth_date:
            values |= {study.dicom_birth_date.strftime("%Y%m%d"), study.dicom_birth_date.isoformat()}
        if patient is not None:
            born = patient.date_of_birth
            values |= {
                patient.identifier,
                patient.family_name,
                patient.given_name,
                f"{patient.family_name}^{patient.given_name}",
                born.strftime("%Y%m%d"),
                born.isoformat(),
                patient.email,
                patient.phone,
                patient.address,
                patient.postcode,
            }
    values |= set(Series.objects.filter(study_id__in=study_ids).values_list("series_instance_uid", flat=True))
    instances = Instance.objects.filter(series__study_id__in=study_ids)
    values |= set(instances.values_list("sop_instance_uid", flat=True))
    return usable_canaries(values)


def usable_canaries(values: set[str]) -> set[str]:
    """The values long enough to search for, stripped."""
    return {value.strip() for value in values if value and len(value.strip()) >= MIN_CANARY_CHARS}
