"""A synthetic four-view mammogram (the project's generator, written as proper DICOM) through the
export: every view kept, de-identified, with what a researcher needs to tell the views apart."""

import io

import pydicom
import pytest

from screening.campaigns.models import ReadingPolicy
from screening.patients.models import Patient
from screening.research.models import ExportStatus
from tests.browser.page_world import mammogram_study
from tests.factories import CampaignFactory, programme
from tests.research.conftest import GRANTED, clinical_rows, consent_as, package_members, requested_and_run

pytestmark = pytest.mark.django_db


def test_a_four_view_mammogram_is_exported_whole_and_de_identified(
    coordinator_actor, research_root, tmp_path
):
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE)
    study = mammogram_study(campaign, tmp_path)
    # A name no package text holds (the scan ignores case: "Long" is in "Longitudinal").
    Patient.objects.filter(pk=study.patient_id).update(family_name="Quixley-Abernathy", given_name="Ottoline")
    study.refresh_from_db()
    consent_as(study.patient, GRANTED)
    originals = {pydicom.dcmread(i.file.path).SOPInstanceUID for i in study.series.get().instances.all()}

    job = requested_and_run(coordinator_actor, campaign, modality="MG")

    assert job.status == ExportStatus.SUCCEEDED, job.error
    assert (job.files_included, job.files_withheld) == (4, {})
    members = package_members(research_root / job.package_name)
    datasets = [pydicom.dcmread(io.BytesIO(data)) for name, data in members.items() if name.endswith(".dcm")]
    assert sorted((str(d.ImageLaterality), str(d.ViewPosition)) for d in datasets) == [
        ("L", "CC"),
        ("L", "MLO"),
        ("R", "CC"),
        ("R", "MLO"),
    ]
    assert {str(d.SOPClassUID) for d in datasets} == {"1.2.840.10008.5.1.4.1.1.1.2"}
    assert not originals & {str(d.SOPInstanceUID) for d in datasets}
    assert all(str(d.PatientIdentityRemoved) == "YES" for d in datasets)
    (row,) = clinical_rows(members)
    assert row["modality"] == "MG" and row["programme"] == "breast"
