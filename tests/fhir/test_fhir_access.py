"""Who may read which FHIR resource (default deny, like the API), and hostile requests: every
refusal and error is an OperationOutcome with a 4xx, never a 500."""

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from rest_framework.test import APIClient

from screening.campaigns.models import ReadingPolicy
from screening.core.models import AuditEvent
from screening.core.roles import Role
from screening.reading.models import ReadRole
from screening.reading.slot_services import read_slot_claim
from tests.factories import CampaignFactory, UserFactory, programme
from tests.fhir.conftest import FHIR_JSON, fhir_client
from tests.reading.conftest import breast_opinion, imaged_study, reader, sign_read, slot_of

pytestmark = pytest.mark.django_db


def outcome(response, status: int) -> OperationOutcome:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(FHIR_JSON)
    return OperationOutcome.model_validate(response.json())


def _paths(world) -> dict[str, str]:
    episode = world.study.episode
    return {
        "Patient": f"/fhir/Patient/{episode.patient_id}",
        "ImagingStudy": f"/fhir/ImagingStudy/{world.study.pk}",
        "DiagnosticReport": f"/fhir/DiagnosticReport/{episode.pk}",
        "Observation": f"/fhir/Observation/read-{world.opinion.pk}",
    }


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.COORDINATOR, {"Patient", "ImagingStudy", "DiagnosticReport", "Observation"}),
        (Role.ADMIN, {"Patient", "ImagingStudy", "DiagnosticReport", "Observation"}),
        (Role.RADIOLOGIST, {"ImagingStudy", "DiagnosticReport", "Observation"}),
        (Role.AUDITOR, set()),
    ],
)
def test_each_role_reads_exactly_its_resources(fhir_world, radiologist_user, role, allowed):
    user = radiologist_user if role == Role.RADIOLOGIST else UserFactory(role=role)
    client = fhir_client(user)

    for kind, path in _paths(fhir_world).items():
        response = client.get(path)
        if kind in allowed:
            assert response.status_code == 200, (kind, response.content[:200])
        else:
            assert outcome(response, 403).issue[0].code == "forbidden", kind


def test_without_a_token_everything_but_the_capability_statement_is_refused(fhir_world):
    client = APIClient()

    for path in _paths(fhir_world).values():
        assert outcome(client.get(path), 401).issue[0].code == "login"
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert outcome(client.get(_paths(fhir_world)["ImagingStudy"]), 401)
    assert client.get("/fhir/metadata").status_code == 200


def test_a_radiologist_of_another_campaign_finds_nothing(fhir_world):
    stranger = fhir_client(UserFactory(role=Role.RADIOLOGIST))
    paths = _paths(fhir_world)

    for kind in ("ImagingStudy", "DiagnosticReport", "Observation"):
        outcome(stranger.get(paths[kind]), 404)
    assert stranger.get("/fhir/DiagnosticReport").json().get("entry") is None


def test_half_a_double_reading_is_no_report_and_shows_no_read(fhir_world, coordinator):
    """One reader signed, the second has not: nothing decided, so nothing to read over FHIR."""
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.DOUBLE_BLIND)
    first, second = (reader(f"blind{n}", campaign) for n in (1, 2))
    study = imaged_study(campaign)
    opinion = sign_read(first, slot_of(study, ReadRole.FIRST), breast_opinion())
    read_slot_claim(actor=second, slot=slot_of(study, ReadRole.SECOND))

    for client in (fhir_client(coordinator), fhir_client(second.user)):
        outcome(client.get(f"/fhir/DiagnosticReport/{study.episode_id}"), 404)
        outcome(client.get(f"/fhir/Observation/read-{opinion.pk}"), 404)
        assert client.get(f"/fhir/Observation?patient={study.patient_id}").json().get("entry") is None


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/DiagnosticReport?date=2026-13-45",
        "/fhir/DiagnosticReport?date=yesterday",
        "/fhir/ImagingStudy?date=ne2026-01-01",
        "/fhir/ImagingStudy?date=9999-12-31",
        "/fhir/Observation?date=gt0001-01-01",
        "/fhir/ImagingStudy?patient=Robert'); DROP TABLE patients_patient;--",
        "/fhir/ImagingStudy?patient=1&patient=2",
        "/fhir/DiagnosticReport?_count=0",
        "/fhir/DiagnosticReport?_count=abc",
        "/fhir/DiagnosticReport?_count=100000",
        "/fhir/DiagnosticReport?_format=xml",
        "/fhir/Patient?name=Smith",
        "/fhir/ImagingStudy?_include=ImagingStudy:subject",
    ],
)
def test_hostile_search_parameters_are_a_400_operation_outcome(fhir_world, coordinator, path):
    assert outcome(fhir_client(coordinator).get(path), 400).issue[0].severity == "error"


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/Patient/999999999",
        "/fhir/Patient/abc",
        "/fhir/Patient/-1",
        "/fhir/Patient/" + "9" * 40,
        "/fhir/Patient?_id=abc",
        "/fhir/ImagingStudy/0",
        "/fhir/DiagnosticReport/1.5",
        "/fhir/Observation/ai-x",
        "/fhir/Observation/read-999999",
        "/fhir/Observation/ai-999999",
        "/fhir/Observation/unknown-1",
        "/fhir/Observation/%00",
    ],
)
def test_unknown_ids_are_a_404_operation_outcome(fhir_world, coordinator, path):
    assert outcome(fhir_client(coordinator).get(path), 404).issue[0].code == "not-found"


def test_an_unknown_id_is_audited_as_a_denied_view(fhir_world, coordinator):
    fhir_client(coordinator).get("/fhir/DiagnosticReport/999999")

    assert AuditEvent.objects.filter(object_type="read_report", outcome="denied").exists()


def test_writes_are_refused_as_not_supported(fhir_world, coordinator):
    client = fhir_client(coordinator)

    response = client.post("/fhir/Patient", {"resourceType": "Patient"}, format="json")

    assert outcome(response, 405).issue[0].code == "not-supported"
