"""The AI's heat maps travel with the images: a de-identified Secondary Capture per image, in the
image's pseudonymous study, naming the exported image; none for a participant without AI consent."""

import io

import numpy as np
import pydicom
import pytest

from screening.imaging.models import Instance
from screening.inference_jobs.models import InferenceImageResult
from screening.patients.consent_services import consent_grant, consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from screening.research.models import ExportStatus
from tests.research.conftest import GRANTED, SYSTEM, package_members, requested_and_run

pytestmark = pytest.mark.django_db
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


@pytest.fixture
def heat_mapped(export_world):
    study = export_world.studies[GRANTED]
    instance = Instance.objects.filter(series__study=study).order_by("pk").first()
    heat = np.zeros((8, 8), dtype=np.uint8)
    heat[2:5, 3:6] = 230
    InferenceImageResult.objects.create(
        result=study.inference_results.get(),
        instance=instance,
        score=0.73,
        heatmap_levels=heat.tobytes(),
        heatmap_rows=8,
        heatmap_cols=8,
    )
    return instance


def _datasets(job, root):
    members = package_members(root / job.package_name)
    return [pydicom.dcmread(io.BytesIO(data)) for name, data in members.items() if name.endswith(".dcm")]


def test_a_heat_map_is_exported_beside_its_image(heat_mapped, export_world, coordinator_actor, research_root):
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.SUCCEEDED, job.error
    datasets = _datasets(job, research_root)
    (heatmap,) = [d for d in datasets if str(d.SOPClassUID) == SECONDARY_CAPTURE]
    images = {str(d.SOPInstanceUID): d for d in datasets if str(d.SOPClassUID) != SECONDARY_CAPTURE}
    source = images[str(heatmap.SourceImageSequence[0].ReferencedSOPInstanceUID)]
    assert heatmap.StudyInstanceUID == source.StudyInstanceUID
    assert (heatmap.Rows, heatmap.Columns) == (source.Rows, source.Columns)
    assert heatmap.pixel_array.max() > 200
    assert str(heatmap.PatientID) == str(source.PatientID)
    assert job.files_included == 4  # images; the heat map is counted apart in the README
    readme = next(
        v for k, v in package_members(research_root / job.package_name).items() if k.endswith("README.md")
    )
    assert b"- AI heat maps: 1" in readme


def test_no_heat_map_for_a_participant_who_withdrew_ai_consent(
    heat_mapped, export_world, coordinator_actor, research_root
):
    patient = export_world.patients[GRANTED]
    consent_grant(actor=SYSTEM, patient=patient, scope=ConsentScope.AI_READING, method=ConsentMethod.VERBAL)
    consent_withdraw(
        actor=SYSTEM, patient=patient, scope=ConsentScope.AI_READING, method=ConsentMethod.VERBAL
    )
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.SUCCEEDED, job.error
    assert not [d for d in _datasets(job, research_root) if str(d.SOPClassUID) == SECONDARY_CAPTURE]
