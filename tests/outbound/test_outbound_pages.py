"""The administrator's destination pages and the outbound console: who sees what, what a form
changes, and that each change is audited."""

import pytest
from django.utils import timezone

from screening.core.models import AuditEvent
from screening.outbound.models import OutboundDestination, OutboundJob, OutboundStatus
from tests.outbound.conftest import mammogram_study, participant

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Leeds PACS",
    "ae_title": "LEEDSPACS",
    "host": "pacs.leeds.example",
    "port": "11112",
    "active": "on",
    "send_ai_results": "on",
    "send_reports": "on",
    "on_ai_result_stored": "on",
    "on_result_signed": "on",
}


def test_an_admin_adds_and_changes_a_destination_audited(admin_client_):
    response = admin_client_.post("/outbound/destinations/new/", FORM)
    assert response.status_code == 302
    destination = OutboundDestination.objects.get()
    assert (destination.ae_title, destination.port, destination.send_heatmaps) == ("LEEDSPACS", 11112, False)
    assert not destination.on_result_amended
    response = admin_client_.post(
        f"/outbound/destinations/{destination.pk}/", {**FORM, "port": "104", "on_result_amended": "on"}
    )
    assert response.status_code == 302
    destination.refresh_from_db()
    assert destination.port == 104 and destination.on_result_amended
    events = AuditEvent.objects.filter(object_type="outbound_destination", object_id=str(destination.pk))
    assert [(e.action, e.detail["fields"]) for e in events.order_by("sequence")][-1] == (
        "change",
        ["on_result_amended", "port"],
    )
    listing = admin_client_.get("/outbound/destinations/").content.decode()
    assert "LEEDSPACS" in listing and "pacs.leeds.example:104" in listing


def test_a_bad_ae_title_is_refused(admin_client_):
    response = admin_client_.post("/outbound/destinations/new/", {**FORM, "ae_title": "A\\B"})
    assert response.status_code == 200 and not OutboundDestination.objects.exists()
    assert "AE title" in response.content.decode()


def test_only_admins_configure_destinations(coordinator_client, radiologist_client):
    assert coordinator_client.get("/outbound/destinations/").status_code == 403
    assert radiologist_client.get("/outbound/jobs/").status_code == 403


def test_a_coordinator_sees_a_dead_send_and_queues_it_again(
    coordinator_client, breast_campaign, media_in_tmp
):
    study = mammogram_study(breast_campaign, participant())
    destination = OutboundDestination.objects.create(name="PACS", ae_title="PACS", host="127.0.0.1", port=104)
    job = OutboundJob.objects.create(
        destination=destination,
        study=study,
        event="ai_result_stored",
        payload="ai_result",
        source_id=1,
        status=OutboundStatus.DEAD,
        attempts=5,
        error="ConnectionRefusedError: refused",
        next_attempt_at=timezone.now(),
    )
    page = coordinator_client.get("/outbound/jobs/").content.decode()
    assert "ConnectionRefusedError" in page and f"/outbound/jobs/{job.pk}/retry/" in page
    assert "PACS destinations" not in page  # the nav link is the admin's
    response = coordinator_client.post(f"/outbound/jobs/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempts) == (OutboundStatus.QUEUED, 0)


def test_the_nav_shows_the_pacs_pages_by_role(admin_client_, coordinator_client, auditor_client):
    admin_home = admin_client_.get("/").content.decode()
    assert "/outbound/jobs/" in admin_home and "/outbound/destinations/" in admin_home
    assert "/outbound/jobs/" in coordinator_client.get("/").content.decode()
    assert "/outbound/" not in auditor_client.get("/").content.decode()
