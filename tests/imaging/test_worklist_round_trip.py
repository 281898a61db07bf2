"""End to end with DCMTK: `findscu` asks the worklist, the images come back with its accession
number by C-STORE, and the study attaches to the scheduled episode without reconciliation."""

import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pydicom
import pytest

from screening.campaigns.models import EpisodeStatus
from screening.imaging.models import Study, StudyMatch
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory
from tests.imaging.conftest import mammogram_sample
from tests.imaging.listener_helpers import LISTENER_AE, serve, store

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("findscu") is None, reason="DCMTK's findscu is not installed"),
]


@pytest.fixture
def listener():
    server = serve(allowed=("MODALITY1",))
    yield server.server_address[1]
    server.shutdown()


def findscu(port: int, folder: Path, *keys: str, calling_ae: str = "MODALITY1") -> list[pydicom.Dataset]:
    """Run DCMTK's findscu against the worklist; the responses it wrote, read back."""
    arguments = ["findscu", "-W", "-aet", calling_ae, "-aec", LISTENER_AE, "-X", "-od", str(folder)]
    for key in keys:
        arguments += ["-k", key]
    subprocess.run([*arguments, "127.0.0.1", str(port)], check=True, capture_output=True, timeout=60)
    return [pydicom.dcmread(path) for path in sorted(folder.glob("rsp*.dcm"))]


STEP = "ScheduledProcedureStepSequence[0]"


def test_findscu_lists_the_scheduled_participant_with_the_usual_keys(listener, tmp_path):
    episode = EpisodeFactory(patient=PatientFactory(family_name="Ashworth", given_name="Ruth"))
    EpisodeFactory()

    items = findscu(
        listener,
        tmp_path,
        f"PatientID={episode.patient.identifier}",
        "PatientName",
        "AccessionNumber",
        "StudyInstanceUID",
        f"{STEP}.Modality=MG",
        f"{STEP}.ScheduledStationAETitle",
        f"{STEP}.ScheduledProcedureStepStartDate",
    )

    assert [(str(i.PatientName), i.AccessionNumber) for i in items] == [
        ("Ashworth^Ruth", episode.accession_number)
    ]
    assert items[0].ScheduledProcedureStepSequence[0].Modality == "MG"


def test_findscu_from_an_ae_not_allowed_gets_nothing(listener, tmp_path):
    EpisodeFactory()

    with pytest.raises(subprocess.CalledProcessError):
        findscu(listener, tmp_path, "AccessionNumber", calling_ae="INTRUDER")
    assert list(tmp_path.glob("rsp*.dcm")) == []


def test_images_sent_with_the_worklist_accession_attach_to_that_episode(listener, tmp_path):
    """Two open breast campaigns hold the participant: the identifier alone cannot choose, the
    worklist's accession number does."""
    patient = PatientFactory()
    EpisodeFactory(patient=patient, status=EpisodeStatus.ATTENDED)
    scheduled = EpisodeFactory(patient=patient, campaign=CampaignFactory(), status=EpisodeStatus.ATTENDED)
    [item] = findscu(
        listener,
        tmp_path,
        f"AccessionNumber={scheduled.accession_number}",
        "PatientID",
        "IssuerOfPatientID",
        "StudyInstanceUID",
        f"{STEP}.Modality",
    )

    image = pydicom.dcmread(BytesIO(mammogram_sample(patient_id=item.PatientID)))
    image.AccessionNumber = item.AccessionNumber
    image.IssuerOfPatientID = item.IssuerOfPatientID
    image.StudyInstanceUID = item.StudyInstanceUID
    assert store(listener, image) == 0x0000

    study = Study.objects.get(study_instance_uid=item.StudyInstanceUID)
    assert (study.match_status, study.episode_id) == (StudyMatch.MATCHED, scheduled.pk)
    scheduled.refresh_from_db()
    assert scheduled.status == EpisodeStatus.IMAGED


def test_images_without_the_accession_still_wait_for_a_coordinator_when_ambiguous(listener):
    patient = PatientFactory()
    EpisodeFactory(patient=patient, status=EpisodeStatus.ATTENDED)
    EpisodeFactory(patient=patient, campaign=CampaignFactory(), status=EpisodeStatus.ATTENDED)

    image = pydicom.dcmread(BytesIO(mammogram_sample(patient_id=patient.identifier)))
    assert store(listener, image) == 0x0000

    study = Study.objects.get(study_instance_uid=image.StudyInstanceUID)
    assert study.match_status == StudyMatch.AWAITING_RECONCILIATION


def test_an_accession_naming_another_participant_is_not_trusted(listener):
    scheduled = EpisodeFactory(status=EpisodeStatus.ATTENDED)
    stranger = PatientFactory()

    image = pydicom.dcmread(BytesIO(mammogram_sample(patient_id=stranger.identifier)))
    image.AccessionNumber = scheduled.accession_number
    assert store(listener, image) == 0x0000

    study = Study.objects.get(study_instance_uid=image.StudyInstanceUID)
    assert study.episode_id is None and study.match_status == StudyMatch.AWAITING_RECONCILIATION
