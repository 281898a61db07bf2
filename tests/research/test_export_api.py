"""The research export API: request, list, detail and cancel, for coordinators and admins only,
documented in the OpenAPI schema."""

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from screening.research.models import ExportJob, ExportStatus

pytestmark = pytest.mark.django_db
URL = "/api/v1/research/exports/"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _body(world, **changes):
    return {
        "programme": world.campaign.programme.code,
        "campaign": world.campaign.pk,
        "purpose": "Validation of the lung AI model",
        "approval_reference": "REC 24/NE/0042",
        **changes,
    }


def test_a_coordinator_requests_lists_reads_and_cancels_an_export(coordinator, export_world):
    api = _api(coordinator)
    created = api.post(URL, _body(export_world, ai_band="high", modality="ct"), format="json")
    assert created.status_code == 201, created.content
    job = ExportJob.objects.get()
    assert created.json()["id"] == job.pk and job.ai_band == "high" and job.modality == "CT"
    assert [row["id"] for row in api.get(URL).json()["results"]] == [job.pk]
    detail = api.get(f"{URL}{job.pk}/").json()
    assert detail["status"] == "queued" and detail["download_url"] is None
    cancelled = api.post(f"{URL}{job.pk}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == ExportStatus.CANCELLED
    again = api.post(f"{URL}{job.pk}/cancel/")
    assert again.status_code == 400 and "nothing to cancel" in str(again.json())


@pytest.mark.parametrize(
    "changes",
    [
        {"approval_reference": ""},
        {"programme": "fracture"},
        {"truth": "cured"},
        {"period_start": "2026-03-01", "period_end": "2026-02-01"},
        {"campaign": 999999},
    ],
)
def test_a_bad_request_is_a_400_and_stores_nothing(coordinator, export_world, changes):
    response = _api(coordinator).post(URL, _body(export_world, **changes), format="json")
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("role", ["auditor", "radiologist"])
def test_auditors_and_radiologists_are_refused(request, role, export_world):
    api = _api(request.getfixturevalue(role))
    assert api.get(URL).status_code == 403
    assert api.post(URL, _body(export_world), format="json").status_code == 403
    assert not ExportJob.objects.exists()


def test_an_admin_sees_every_export_and_a_coordinator_only_their_own(coordinator, admin_user, export_world):
    _api(coordinator).post(URL, _body(export_world), format="json")
    _api(admin_user).post(URL, _body(export_world), format="json")
    assert len(_api(admin_user).get(URL).json()["results"]) == 2
    assert len(_api(coordinator).get(URL).json()["results"]) == 1


def test_the_schema_documents_the_export_endpoints(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    schema = yaml.safe_load(schema_file.read_text())
    paths = schema["paths"]
    assert {URL.removesuffix("/") + "/", f"{URL}{{id}}/", f"{URL}{{id}}/cancel/"} <= set(paths)
    assert "post" in paths[URL] and "get" in paths[URL]
    assert "approval_reference" in schema["components"]["schemas"]["ExportRequestInput"]["required"]
