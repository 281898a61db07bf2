"""The export pages: who may open them, a forged request refused with nothing stored, the
download streamed to its requester only, the re-identification table for administrators only."""

import pytest
from django.http import FileResponse
from django.test import Client
from django.urls import reverse

from screening.core.models import AuditAction, AuditEvent
from screening.core.roles import Role
from screening.patients.consent_services import consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from screening.research.models import ExportJob, ExportStatus
from tests.factories import UserFactory
from tests.research.conftest import GRANTED, SYSTEM, requested_and_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def succeeded(export_world, coordinator_actor, research_root):
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.SUCCEEDED, job.error
    return job


def _form(world, **changes):
    return {
        "programme": world.campaign.programme_id,
        "campaign": world.campaign.pk,
        "purpose": "Validation of the lung AI model",
        "approval_reference": "REC 24/NE/0042",
        "ocr_check": "on",
        **changes,
    }


@pytest.mark.parametrize("client_name", ["auditor_client", "radiologist_client"])
@pytest.mark.parametrize("route", ["research:list", "research:new"])
def test_auditors_and_radiologists_are_refused_the_pages(request, client_name, route, db):
    response = request.getfixturevalue(client_name).get(reverse(route))
    assert response.status_code == 403


@pytest.mark.parametrize("client_name", ["auditor_client", "radiologist_client"])
def test_auditors_and_radiologists_cannot_request_an_export(request, client_name, export_world):
    response = request.getfixturevalue(client_name).post(reverse("research:new"), _form(export_world))
    assert response.status_code == 403
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("client_name", ["coordinator_client", "admin_client_"])
def test_coordinators_and_admins_request_an_export_from_the_form(request, client_name, export_world):
    client = request.getfixturevalue(client_name)
    assert client.get(reverse("research:new")).status_code == 200
    response = client.post(reverse("research:new"), _form(export_world))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("research:detail", args=[job.pk])
    assert job.approval_reference == "REC 24/NE/0042" and job.ocr_check


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"programme": "999999"}, "programme"),
        ({"campaign": "999999"}, "campaign"),
        ({"approval_reference": "  "}, "approval_reference"),
        ({"purpose": ""}, "purpose"),
        ({"truth": "cured"}, "truth"),
        ({"ai_band": "ultra"}, "ai_band"),
        ({"modality": "MG'; DROP"}, "modality"),
        ({"period_start": "2026-02-30"}, "period_start"),
        ({"period_start": "2026-03-01", "period_end": "2026-02-01"}, "period_end"),
    ],
)
def test_a_forged_or_bad_request_is_refused_with_a_clear_error_and_nothing_stored(
    coordinator_client, export_world, changes, field
):
    response = coordinator_client.post(reverse("research:new"), _form(export_world, **changes))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not ExportJob.objects.exists()


def test_a_campaign_of_another_programme_is_refused(coordinator_client, export_world):
    from tests.factories import CampaignFactory, programme

    lung = CampaignFactory(programme=programme("lung"))
    response = coordinator_client.post(reverse("research:new"), _form(export_world, campaign=lung.pk))
    assert response.status_code == 400 and "another programme" in str(response.context["form"].errors)
    assert not ExportJob.objects.exists()


def test_the_detail_page_shows_progress_counts_and_the_download(coordinator_client, succeeded):
    page = coordinator_client.get(reverse("research:detail", args=[succeeded.pk])).content.decode()
    assert 'id="export-progress-bar"' in page and 'value="100"' in page
    assert reverse("research:download", args=[succeeded.pk]) in page
    assert "withdrawn 1" in page
    progress = coordinator_client.get(reverse("research:progress", args=[succeeded.pk])).json()
    assert progress == {"status": "succeeded", "done": 4, "total": 4, "percent": 100, "finished": True}


def test_the_requester_downloads_the_package_streamed_from_disk_and_audited(
    coordinator_client, succeeded, research_root
):
    response = coordinator_client.get(reverse("research:download", args=[succeeded.pk]))
    assert response.status_code == 200
    assert isinstance(response, FileResponse) and response.streaming
    assert b"".join(response.streaming_content) == (research_root / succeeded.package_name).read_bytes()
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_type="research_export", object_id=str(succeeded.pk)
    ).exists()


def test_another_coordinator_neither_sees_nor_downloads_the_export(succeeded):
    other = Client()
    other.force_login(UserFactory(username="coordinator2", role=Role.COORDINATOR))
    assert other.get(reverse("research:download", args=[succeeded.pk])).status_code == 404
    assert other.get(reverse("research:detail", args=[succeeded.pk])).status_code == 404
    assert f"Export {succeeded.pk}" not in other.get(reverse("research:list")).content.decode()


def test_an_admin_downloads_any_export(admin_client_, succeeded):
    response = admin_client_.get(reverse("research:download", args=[succeeded.pk]))
    assert response.status_code == 200 and isinstance(response, FileResponse)


def test_the_reidentification_table_is_the_admins_alone_and_each_view_is_audited(
    admin_client_, coordinator_client, succeeded, export_world
):
    url = reverse("research:reidentification", args=[succeeded.pk])
    assert coordinator_client.get(url).status_code == 403
    page = admin_client_.get(url).content.decode()
    assert export_world.patients[GRANTED].identifier in page
    views = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="research_reidentification")
    assert views.count() == 1
    admin_client_.get(url)
    assert views.count() == 2


def test_a_withdrawal_after_the_export_is_shown_on_its_page_and_in_the_list(
    coordinator_client, succeeded, export_world
):
    patient = export_world.patients[GRANTED]
    consent_withdraw(actor=SYSTEM, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.VERBAL)
    page = coordinator_client.get(reverse("research:detail", args=[succeeded.pk])).content.decode()
    assert "Research consent withdrawn since this export" in page
    assert reverse("patients:detail", args=[patient.pk]) in page
    listing = coordinator_client.get(reverse("research:list")).content.decode()
    assert '<strong class="warning">1</strong>' in listing


def test_cancel_and_retry_from_the_page(coordinator_client, export_world, coordinator_actor, research_root):
    from tests.research.conftest import requested

    job = requested(coordinator_actor, export_world.campaign)
    coordinator_client.post(reverse("research:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportStatus.CANCELLED
    coordinator_client.post(reverse("research:retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status in (ExportStatus.QUEUED, ExportStatus.SUCCEEDED)


def test_the_nav_links_the_exports_for_coordinators_only(
    coordinator_client, auditor_client, radiologist_client
):
    url = reverse("research:list")
    assert url in coordinator_client.get(reverse("home")).content.decode()
    for client in (auditor_client, radiologist_client):
        assert url not in client.get(reverse("home")).content.decode()
