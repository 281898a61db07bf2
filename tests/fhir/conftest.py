"""A FHIR world: a single-reading breast campaign whose participant's study was signed, with an AI
result, and FHIR clients per role holding API tokens."""

from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from screening.campaigns.models import ReadingPolicy
from screening.core.actors import Actor
from screening.core.api_token_services import api_token_issue
from screening.core.roles import Role
from screening.imaging.models import Series, Study
from screening.inference_jobs.models import InferenceJob, InferenceResult
from screening.patients.consent_services import consent_grant
from screening.patients.models import ConsentMethod, ConsentScope
from screening.reading.models import ReadOpinion
from tests.factories import CampaignFactory, UserFactory, programme
from tests.reading.conftest import breast_opinion, imaged_study, sign_read, slot_of

FHIR_JSON = "application/fhir+json"


@dataclass
class FhirWorld:
    study: Study
    opinion: ReadOpinion
    ai_result: InferenceResult
    reader: Actor


def fhir_client(user) -> APIClient:
    client = APIClient()
    key = api_token_issue(actor=Actor.for_user(user), user=user).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def signed_study(campaign, reader: Actor, *, right: str = "4", left: str = "1") -> tuple[Study, ReadOpinion]:
    """An imaged study with a series, AI consent granted, and its single read signed."""
    study = imaged_study(campaign)
    study.study_date, study.study_time = timezone.localdate(), "101500"
    study.save(update_fields=["study_date", "study_time"])
    Series.objects.create(study=study, series_instance_uid=f"{study.study_instance_uid}.1", modality="MG")
    consent_grant(
        actor=Actor.system("test"),
        patient=study.patient,
        scope=ConsentScope.AI_READING,
        method=ConsentMethod.WRITTEN,
    )
    opinion = sign_read(reader, slot_of(study), breast_opinion(right=right, left=left))
    return study, opinion


def ai_result_of(study: Study, score: float = 0.83) -> InferenceResult:
    job = InferenceJob.objects.create(
        study=study, model_name="breast-demo", model_version="2", queued_at=timezone.now()
    )
    return InferenceResult.objects.create(
        job=job,
        study=study,
        model_name="breast-demo",
        model_version="2",
        study_score=score,
        band="high",
        high_threshold=0.5,
        low_threshold=0.1,
    )


@pytest.fixture
def radiologist_user(db):
    return UserFactory(username="fhir-reader", role=Role.RADIOLOGIST)


@pytest.fixture
def fhir_world(db, radiologist_user) -> FhirWorld:
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE)
    campaign.assigned_staff.add(radiologist_user)
    reader = Actor.for_user(radiologist_user, ip_address="10.0.0.9")
    study, opinion = signed_study(campaign, reader)
    return FhirWorld(study=study, opinion=opinion, ai_result=ai_result_of(study), reader=reader)
