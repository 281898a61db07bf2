"""The images' patient details beside a participant's record: names compared as people write them."""

from datetime import date

import pytest

from screening.imaging.models import Study
from screening.imaging.study_demographics import demographic_contradictions, demographics_compare, names_agree
from screening.patients.models import Patient


@pytest.mark.parametrize(
    "dicom_name",
    [
        "DOE^JANE",
        "Doe^Jane",
        "doe^jane^mary",
        "DOE^JANE^^MRS",
        "Doe^Jane=ドウ^ジェーン",
        "JANE DOE",
        "Döe^Jane",
        "Smith^Ann\\Doe^Jane",  # one of a multi-valued name's values
    ],
)
def test_names_that_agree_despite_case_separators_and_accents(dicom_name):
    assert names_agree(dicom_name, "Doe", "Jane")


@pytest.mark.parametrize("dicom_name", ["DOE^JOAN", "ROE^JANE", "JANE^DOE", "DOE", "", "^", "JANE ROE"])
def test_names_that_differ(dicom_name):
    assert not names_agree(dicom_name, "Doe", "Jane")


def test_non_latin_names_are_compared_not_ignored():
    assert names_agree("Иванова^Анна", "ИВАНОВА", "анна")
    assert not names_agree("Петрова^Анна", "Иванова", "Анна")


def _study(**fields) -> Study:
    return Study(dicom_patient_id="943 476 5919", dicom_issuer="nhs", **fields)


def _patient(**fields) -> Patient:
    defaults = {
        "identifier": "9434765919",
        "issuer": "NHS",
        "family_name": "Doe",
        "given_name": "Jane",
        "date_of_birth": date(1960, 1, 2),
        "sex": "F",
    }
    return Patient(**{**defaults, **fields})


def test_every_field_is_compared_and_what_the_images_leave_out_counts_as_a_difference():
    study = _study(dicom_patient_name="DOE^JANE", dicom_birth_date=None, dicom_sex="")

    rows = {row.field: row for row in demographics_compare(study, _patient())}

    assert {field: row.differs for field, row in rows.items()} == {
        "name": False,
        "identifier": False,  # NHS numbers as typed, spaces and issuer case aside
        "birth_date": True,
        "sex": True,
    }
    assert (
        rows["birth_date"].in_images == "not in the images" and rows["birth_date"].in_record == "1960-01-02"
    )


def test_only_stated_birth_date_or_sex_contradicts_for_automatic_matching():
    assert demographic_contradictions(_study(dicom_birth_date=None, dicom_sex="O"), _patient()) == []
    assert demographic_contradictions(
        _study(dicom_birth_date=date(1960, 2, 1), dicom_sex="M"), _patient()
    ) == ["birth date", "sex"]
