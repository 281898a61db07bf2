"""Reconciliation fixtures: a CT study awaiting a coordinator, and the participant it is for."""

from datetime import date

import pytest

from screening.campaigns.models import Episode, EpisodeStatus
from screening.imaging.models import Study
from screening.patients.models import Patient, Sex
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, programme
from tests.imaging.fixtures_pages import store_sample

ISSUER = "HOSP"


@pytest.fixture
def awaiting_study() -> Study:
    """A CT study whose identifier matched no one: DOE^JANE, born 1960-01-02, female."""
    study = store_sample("CT_small.dcm").series.study
    study.dicom_patient_id, study.dicom_issuer, study.dicom_patient_name = "X-12345", ISSUER, "DOE^JANE"
    study.dicom_birth_date, study.dicom_sex = date(1960, 1, 2), Sex.FEMALE
    study.study_date = date(2025, 3, 4)
    study.match_note = "No participant with this identifier"
    study.save()
    return study


@pytest.fixture
def jane() -> Patient:
    """The participant the study's details describe exactly (case and separators aside)."""
    return PatientFactory(
        identifier="X-12345",
        issuer=ISSUER,
        family_name="Doe",
        given_name="Jane",
        date_of_birth=date(1960, 1, 2),
        sex=Sex.FEMALE,
    )


def lung_episode(patient: Patient, status: str = EpisodeStatus.ATTENDED) -> Episode:
    return EpisodeFactory(
        patient=patient, status=status, campaign=CampaignFactory(programme=programme("lung"))
    )


def breast_episode(patient: Patient, status: str = EpisodeStatus.ATTENDED) -> Episode:
    return EpisodeFactory(
        patient=patient, status=status, campaign=CampaignFactory(programme=programme("breast"))
    )
