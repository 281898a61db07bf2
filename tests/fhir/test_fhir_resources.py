"""FHIR resources of a signed screening result: valid through fhir.resources, references that
resolve, searches by participant and date, and only what the reads and consent allow."""

from datetime import timedelta

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.imagingstudy import ImagingStudy
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from screening.campaigns.models import EpisodeStatus
from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.patients.consent_services import consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from tests.factories import EpisodeFactory
from tests.fhir.conftest import FHIR_JSON, fhir_client

pytestmark = pytest.mark.django_db
RESOURCES = {
    "Patient": Patient,
    "ImagingStudy": ImagingStudy,
    "DiagnosticReport": DiagnosticReport,
    "Observation": Observation,
}


def fetched(client, path: str, status: int = 200):
    response = client.get(f"/fhir/{path}")
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(FHIR_JSON)
    return response.json()


def resolved(client, reference: str):
    """Follow a reference and validate what comes back as the resource type it names."""
    kind = reference.split("/")[0]
    body = fetched(client, reference)
    return RESOURCES[kind].model_validate(body)


def test_the_capability_statement_lists_the_resources_and_is_valid(client):
    statement = CapabilityStatement.model_validate(fetched(client, "metadata"))

    assert statement.fhirVersion == "4.0.1" and statement.format == ["application/fhir+json"]
    assert sorted(r.type for r in statement.rest[0].resource) == sorted(RESOURCES)


def test_the_report_of_a_signed_result_is_valid_and_every_reference_resolves(fhir_world, coordinator):
    client = fhir_client(coordinator)
    episode = fhir_world.study.episode

    report = DiagnosticReport.model_validate(fetched(client, f"DiagnosticReport/{episode.pk}"))

    assert report.status == "final" and report.conclusionCode[0].coding[0].code == "recall"
    patient = resolved(client, report.subject.reference)
    assert (patient.id, patient.identifier[0].value) == (str(episode.patient_id), episode.patient.identifier)
    study = resolved(client, report.imagingStudy[0].reference)
    assert study.identifier[0].value == f"urn:oid:{fhir_world.study.study_instance_uid}"
    assert study.subject.reference == report.subject.reference and study.series[0].modality.code == "MG"
    observations = [resolved(client, ref.reference) for ref in report.result]
    by_code = {o.code.coding[0].code: o for o in observations}
    reader = by_code["reader-category"]
    assert {c.code.coding[0].code: c.valueCodeableConcept.coding[0].code for c in reader.component} == {
        "L": "1",
        "R": "4",
    }
    assert float(by_code["ai-score"].valueQuantity.value) == pytest.approx(0.83)
    assert all(o.subject.reference == report.subject.reference for o in observations)


def test_searches_by_patient_and_date_return_valid_bundles(fhir_world, coordinator):
    client = fhir_client(coordinator)
    patient_id = fhir_world.study.patient_id
    today = timezone.localdate()
    EpisodeFactory()  # another participant, never in these results

    for kind in ("DiagnosticReport", "ImagingStudy", "Observation"):
        bundle = Bundle.model_validate(fetched(client, f"{kind}?patient=Patient/{patient_id}&date=ge{today}"))
        assert bundle.type == "searchset" and bundle.entry, kind
        for entry in bundle.entry:
            resource = RESOURCES[kind].model_validate(entry.resource.model_dump())
            assert resource.subject.reference == f"Patient/{patient_id}"
        later = Bundle.model_validate(fetched(client, f"{kind}?patient={patient_id}&date=gt{today}"))
        assert not later.entry, kind
    found = Bundle.model_validate(
        fetched(client, f"Patient?identifier={fhir_world.study.patient.identifier}")
    )
    assert [entry.resource.id for entry in found.entry] == [str(patient_id)]


def test_a_result_recorded_without_a_read_never_appears(fhir_world, coordinator):
    client = fhir_client(coordinator)
    technical = EpisodeFactory(status=EpisodeStatus.RESULT_ISSUED, result="technical_recall")

    outcome = fetched(client, f"DiagnosticReport/{technical.pk}", status=404)

    assert outcome["resourceType"] == "OperationOutcome"
    bundle = Bundle.model_validate(fetched(client, f"DiagnosticReport?patient={technical.patient_id}"))
    assert not bundle.entry


def test_a_withdrawn_ai_consent_hides_the_ai_score(fhir_world, coordinator):
    client = fhir_client(coordinator)
    consent_withdraw(
        actor=Actor.system("test"),
        patient=fhir_world.study.patient,
        scope=ConsentScope.AI_READING,
        method=ConsentMethod.VERBAL,
    )

    report = DiagnosticReport.model_validate(
        fetched(client, f"DiagnosticReport/{fhir_world.study.episode_id}")
    )

    assert [ref.reference for ref in report.result] == [f"Observation/read-{fhir_world.opinion.pk}"]
    fetched(client, f"Observation/ai-{fhir_world.ai_result.pk}", status=404)


def test_every_read_is_audited_as_the_api_audits_it(fhir_world, coordinator):
    client = fhir_client(coordinator)
    episode = fhir_world.study.episode

    fetched(client, f"Patient/{episode.patient_id}")
    fetched(client, f"DiagnosticReport/{episode.pk}")
    fetched(client, f"ImagingStudy?patient={episode.patient_id}")

    events = AuditEvent.objects.filter(actor_username=coordinator.username)
    assert events.filter(action="view", object_type="patient", object_id=str(episode.patient_id)).exists()
    assert events.filter(action="view", object_type="read_report", object_id=str(episode.pk)).exists()
    assert events.filter(action="list", object_type="study", detail__fhir=True).exists()
    assert episode.patient.identifier not in str(list(events.values_list("detail", flat=True)))


def test_an_amendment_under_arbitration_makes_the_report_preliminary(fhir_world, coordinator):
    episode = fhir_world.study.episode
    episode.result_under_review = True
    episode.save(update_fields=["result_under_review"])

    report = fetched(fhir_client(coordinator), f"DiagnosticReport/{episode.pk}")

    assert report["status"] == "preliminary"
    assert DiagnosticReport.model_validate(report).effectiveDateTime < timezone.now() + timedelta(minutes=1)
