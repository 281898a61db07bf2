"""A research export world: participants in every consent state, each with a real DICOM study
(pydicom's CT_small, carrying the participant's own identifiers), an AI result and signed reads."""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from screening.campaigns.models import EpisodeStatus, ReadingPolicy
from screening.core.actors import Actor
from screening.imaging.models import Study, StudyMatch
from screening.inference_jobs.models import InferenceJob, InferenceResult, JobStatus
from screening.patients.consent_services import consent_grant, consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope, Patient
from screening.patients.patient_services import patient_opt_out
from screening.research.export_services import ExportRequest, export_request
from screening.research.models import ExportJob
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, programme
from tests.imaging.fixtures_pages import sample_dataset, store_instance, with_fresh_uids
from tests.reading.conftest import breast_opinion, reader, sign_read, slot_of

SYSTEM = Actor.system("test")
GRANTED, WITHDRAWN, REGRANTED, NONE, OPTED_OUT = "granted", "withdrawn", "regranted", "none", "opted_out"


@pytest.fixture
def research_root(settings, tmp_path, media_in_tmp):
    """Packages under a temporary root, with a fixed pseudonym key."""
    settings.RESEARCH_EXPORT_ROOT = tmp_path / "exports"
    settings.RESEARCH_PSEUDONYM_KEY = "test-research-key-0123456789abcdef"
    return settings.RESEARCH_EXPORT_ROOT


@dataclass
class ExportWorld:
    campaign: object
    patients: dict[str, Patient] = field(default_factory=dict)
    studies: dict[str, Study] = field(default_factory=dict)


def consent_as(patient: Patient, state: str) -> None:
    """Put the participant's research consent in `state` (history as a coordinator records it)."""
    method = ConsentMethod.WRITTEN
    if state in (GRANTED, WITHDRAWN, REGRANTED, OPTED_OUT):
        consent_grant(actor=SYSTEM, patient=patient, scope=ConsentScope.RESEARCH, method=method)
    if state in (WITHDRAWN, REGRANTED):
        consent_withdraw(actor=SYSTEM, patient=patient, scope=ConsentScope.RESEARCH, method=method)
    if state == REGRANTED:
        consent_grant(actor=SYSTEM, patient=patient, scope=ConsentScope.RESEARCH, method=method)
    if state == OPTED_OUT:
        patient_opt_out(actor=SYSTEM, patient=patient, reason="moved away")


def imaged_participant_study(campaign, patient: Patient, *, files: int = 2, days_ago: int = 10) -> Study:
    """An imaged episode of the participant with `files` CT images that carry their identifiers."""
    imaged_at = timezone.now() - timedelta(days=days_ago)
    episode = EpisodeFactory(
        campaign=campaign, patient=patient, status=EpisodeStatus.IMAGED, imaged_at=imaged_at
    )
    study_uid = f"1.2.826.0.1.3680043.10.99.{episode.pk}"
    study = Study.objects.create(
        study_instance_uid=study_uid,
        patient=patient,
        episode=episode,
        match_status=StudyMatch.MATCHED,
        first_source="upload",
        modality="CT",
        accession_number=f"ACC{episode.pk:06d}",
        study_date=imaged_at.date(),
    )
    series = None
    for number in range(1, files + 1):
        dataset = with_fresh_uids(sample_dataset("CT_small.dcm"), study_uid=study_uid)
        dataset.PatientName = f"{patient.family_name}^{patient.given_name}"
        dataset.PatientID = patient.identifier
        dataset.PatientBirthDate = patient.date_of_birth.strftime("%Y%m%d")
        dataset.AccessionNumber = study.accession_number
        dataset.InstitutionName = "Leeds Teaching Hospitals"
        dataset.OperatorsName = "Radiographer^Rowena"
        dataset.StudyDate = imaged_at.strftime("%Y%m%d")
        instance = store_instance(dataset, study=study, series=series, modality="CT", instance_number=number)
        series = instance.series
    return study


def ai_result(study: Study, *, score: float, band: str) -> InferenceResult:
    job = InferenceJob.objects.create(
        study=study,
        model_name="lung-demo",
        model_version="1.4",
        queued_at=timezone.now(),
        status=JobStatus.SUCCEEDED,
    )
    return InferenceResult.objects.create(
        job=job,
        study=study,
        model_name="lung-demo",
        model_version="1.4",
        programme="lung",
        study_score=score,
        band=band,
        high_threshold=0.5,
        low_threshold=0.1,
    )


@pytest.fixture
def export_world(db, research_root) -> ExportWorld:
    """One participant per consent state, each with a study; the granted one with AI and a read."""
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE)
    world = ExportWorld(campaign=campaign)
    for number, state in enumerate((GRANTED, WITHDRAWN, REGRANTED, NONE, OPTED_OUT)):
        # Names no package text contains by chance (the canary scan ignores case: "Long" would be
        # found in "Longitudinal").
        patient = PatientFactory(
            family_name=f"Featherstonehaugh-{'QWXYZ'[number]}", given_name=f"Ottoline{number}"
        )
        consent_as(patient, state)
        world.patients[state] = patient
        world.studies[state] = imaged_participant_study(campaign, patient)
    ai_result(world.studies[GRANTED], score=0.73, band="high")
    from screening.reading.slot_services import read_slots_open

    read_slots_open(actor=SYSTEM, study=world.studies[GRANTED])
    sign_read(
        reader("reader1", campaign), slot_of(world.studies[GRANTED]), breast_opinion(right="4", left="1")
    )
    return world


def requested(actor: Actor, campaign, **changes) -> ExportJob:
    fields = {
        "programme": campaign.programme,
        "campaign": campaign,
        "purpose": "Validation of the lung AI model",
        "approval_reference": "REC 24/NE/0042",
        **changes,
    }
    return export_request(actor=actor, request=ExportRequest(**fields))


def requested_and_run(actor: Actor, campaign, **changes) -> ExportJob:
    """Request an export and run it here (the task was only queued: on_commit waits in a test)."""
    from screening.research.export_runner import export_run  # needs the de-identification engine

    job = requested(actor, campaign, **changes)
    export_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def package_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def clinical_rows(members: dict[str, bytes]) -> list[dict[str, str]]:
    (name,) = [name for name in members if name.endswith("/clinical.csv")]
    return list(csv.DictReader(io.StringIO(members[name].decode())))
