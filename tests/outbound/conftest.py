"""An outbound world: a private Orthanc as the PACS (Debian's `orthanc`, started per module on free
ports), a destination pointing at it, and consented participants with imaged studies (pydicom's
CT_small as the images), AI results with heat maps and signed reads."""

import shutil
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from bench.bench_orthanc import OrthancPeer, orthanc_pacs
from screening.campaigns.models import EpisodeStatus, ReadingPolicy
from screening.core.actors import Actor
from screening.imaging.models import Study, StudyMatch
from screening.inference_jobs.models import InferenceImageResult, InferenceJob, InferenceResult, JobStatus
from screening.inference_jobs.result_signals import ai_result_stored
from screening.outbound.models import OutboundDestination
from screening.patients.consent_services import consent_grant
from screening.patients.models import ConsentMethod, ConsentScope, Patient
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, programme
from tests.imaging.fixtures_pages import sample_dataset, store_instance, with_fresh_uids

SYSTEM = Actor.system("test")
needs_orthanc = pytest.mark.skipif(
    shutil.which("Orthanc") is None,
    reason="Orthanc is not installed here (Debian package orthanc; .ci/run installs it)",
)
VIEWS = [("R", "CC"), ("L", "CC"), ("R", "MLO"), ("L", "MLO")]


@pytest.fixture(scope="module")
def pacs():
    peer = orthanc_pacs()
    yield peer
    peer.stop()


@pytest.fixture
def destination(db, pacs: OrthancPeer) -> OutboundDestination:
    return OutboundDestination.objects.create(
        name="Leeds PACS", ae_title=pacs.ae_title, host="127.0.0.1", port=pacs.dicom_port
    )


@pytest.fixture
def breast_campaign(db):
    return CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE)


def consented(*scopes: str) -> Patient:
    patient = PatientFactory(family_name="Ashworth", given_name="Imogen")
    for scope in scopes:
        consent_grant(actor=SYSTEM, patient=patient, scope=scope, method=ConsentMethod.WRITTEN)
    return patient


def participant(ai: bool = True) -> Patient:
    scopes = [ConsentScope.SCREENING, ConsentScope.AI_READING] if ai else [ConsentScope.SCREENING]
    return consented(*scopes)


def mammogram_study(campaign, patient: Patient) -> Study:
    """An imaged episode with four views (CT_small's pixels standing in for a mammogram's)."""
    imaged_at = timezone.now() - timedelta(days=1)
    episode = EpisodeFactory(
        campaign=campaign, patient=patient, status=EpisodeStatus.IMAGED, imaged_at=imaged_at
    )
    study = Study.objects.create(
        study_instance_uid=f"1.2.826.0.1.3680043.10.77.{episode.pk}",
        patient=patient,
        episode=episode,
        match_status=StudyMatch.MATCHED,
        first_source="upload",
        modality="MG",
        accession_number=f"ACC{episode.pk:06d}",
        study_date=imaged_at.date(),
        dicom_patient_id=patient.identifier,
        dicom_patient_name=f"{patient.family_name}^{patient.given_name}",
        dicom_birth_date=patient.date_of_birth,
        dicom_sex="F",
    )
    series = None
    for number, (side, view) in enumerate(VIEWS, start=1):
        dataset = with_fresh_uids(sample_dataset("CT_small.dcm"), study_uid=study.study_instance_uid)
        instance = store_instance(
            dataset,
            study=study,
            series=series,
            modality="MG",
            laterality=side,
            view_position=view,
            instance_number=number,
        )
        series = instance.series
    return study


def heat_levels(rows: int = 16, cols: int = 12, peak: tuple[int, int] = (5, 7)) -> bytes:
    heat = np.zeros((rows, cols), dtype=np.uint8)
    heat[peak] = 250
    heat[peak[0] - 1 : peak[0] + 2, peak[1] - 1 : peak[1] + 2] = np.maximum(
        heat[peak[0] - 1 : peak[0] + 2, peak[1] - 1 : peak[1] + 2], 120
    )
    return heat.tobytes()


def stored_ai_result(
    study: Study, *, score: float = 0.82, band: str = "high", announce: bool = True
) -> InferenceResult:
    """An AI result of the study with a heat map per view, announced as the jobs app announces it."""
    job = InferenceJob.objects.create(
        study=study,
        model_name="breast-demo",
        model_version="2.1",
        queued_at=timezone.now(),
        status=JobStatus.SUCCEEDED,
    )
    result = InferenceResult.objects.create(
        job=job,
        study=study,
        model_name="breast-demo",
        model_version="2.1",
        programme="breast",
        study_score=score,
        band=band,
        high_threshold=0.5,
        low_threshold=0.1,
        side_scores={"R": 0.2, "L": score},
    )
    for instance in study.series.get().instances.order_by("instance_number"):
        InferenceImageResult.objects.create(
            result=result,
            instance=instance,
            score=score if instance.laterality == "L" else 0.2,
            side=instance.laterality,
            view=instance.view_position,
            heatmap_levels=heat_levels(),
            heatmap_rows=16,
            heatmap_cols=12,
        )
    if announce:
        ai_result_stored.send(sender=InferenceResult, study_ids=[study.pk], result_ids=[result.pk])
    return result
