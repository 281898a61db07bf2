"""The patient details a study's images carry, set beside a participant's record, field by field.

Reconciliation shows every difference and asks for a reason to attach despite them; automatic
matching refuses a study whose birth date or sex contradicts the participant it would match.
Names are compared as people write them: case, accents, punctuation and DICOM's ``^``-separated
components (family^given^middle^prefix^suffix) do not make a difference; a DICOM name without
components (free text) matches when it holds the same words.
"""

import unicodedata
from dataclasses import dataclass

from screening.imaging.models import Study
from screening.patients.identifiers import NHS_ISSUER, normalise_identifier, normalise_issuer
from screening.patients.models import Patient, Sex

NOT_SENT = "not in the images"


@dataclass(frozen=True)
class DemographicRow:
    """One field as the images carry it and as the participant's record has it."""

    field: str
    label: str
    in_images: str
    in_record: str
    differs: bool

    def as_record(self) -> dict[str, str]:
        """What a match event keeps of a difference."""
        return {
            "field": self.field,
            "label": self.label,
            "in_images": self.in_images,
            "in_record": self.in_record,
        }


def demographics_compare(study: Study, patient: Patient) -> list[DemographicRow]:
    """Name, identifier, birth date and sex of the images beside the participant's record; a field
    the images do not carry counts as a difference (nothing in them confirms the record)."""
    issuer = normalise_issuer(study.dicom_issuer or NHS_ISSUER)
    identifier = normalise_identifier(study.dicom_patient_id, issuer)
    birth_date = study.dicom_birth_date.isoformat() if study.dicom_birth_date else ""
    sex = study.dicom_sex.strip().upper()
    names_differ = not names_agree(study.dicom_patient_name, patient.family_name, patient.given_name)
    return [
        _row(
            "name",
            "Name",
            study.dicom_patient_name.strip(),
            f"{patient.family_name.upper()}, {patient.given_name}",
            names_differ,
        ),
        _row(
            "identifier",
            "Patient ID",
            f"{study.dicom_patient_id.strip()} ({issuer})" if identifier else "",
            f"{patient.identifier} ({patient.issuer})",
            (issuer, identifier) != (patient.issuer, patient.identifier),
        ),
        _row(
            "birth_date",
            "Birth date",
            birth_date,
            patient.date_of_birth.isoformat(),
            birth_date != patient.date_of_birth.isoformat(),
        ),
        _row("sex", "Sex", sex, patient.sex, sex != patient.sex),
    ]


def demographic_mismatches(study: Study, patient: Patient) -> list[DemographicRow]:
    return [row for row in demographics_compare(study, patient) if row.differs]


def demographic_contradictions(study: Study, patient: Patient) -> list[str]:
    """What the images state that the participant's record contradicts (birth date, sex): not what
    they leave out. Automatic matching leaves such a study to a coordinator."""
    found = []
    if study.dicom_birth_date and study.dicom_birth_date != patient.date_of_birth:
        found.append("birth date")
    sex = study.dicom_sex.strip().upper()
    if sex in (Sex.FEMALE, Sex.MALE) and patient.sex in (Sex.FEMALE, Sex.MALE) and sex != patient.sex:
        found.append("sex")
    return found


def names_agree(dicom_name: str, family_name: str, given_name: str) -> bool:
    """Whether a DICOM person name (any of its values) names the participant (see the module's docstring)."""
    return any(_name_agrees(value, family_name, given_name) for value in dicom_name.split("\\"))


def _name_agrees(dicom_name: str, family_name: str, given_name: str) -> bool:
    name = dicom_name.split("=", 1)[0]  # the alphabetic group; ideographic ones are not compared
    if "^" not in name:
        return sorted(_words(name)) == sorted(_words(f"{family_name} {given_name}")) != []
    family, given, middle, *_ = [*name.split("^"), "", ""]
    record_given = _words(given_name)
    images_given = _words(f"{given} {middle}")
    return (
        _words(family) == _words(family_name)
        and bool(images_given)
        and bool(record_given)
        and images_given[0] == record_given[0]
    )


def _words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = (c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return "".join(letters).split()


def _row(field: str, label: str, in_images: str, in_record: str, differs: bool) -> DemographicRow:
    return DemographicRow(field, label, in_images or NOT_SENT, in_record, differs)
