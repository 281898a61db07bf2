"""After an export: its package expires and is removed; a stalled run is rescued; a participant
who withdraws research consent afterwards is listed against the packages that held them."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from screening.core.actors import Actor
from screening.patients.consent_services import consent_grant, consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from screening.research.export_selectors import export_withdrawals, exports_with_withdrawals
from screening.research.export_sweeper import exports_expire, exports_sweep
from screening.research.models import ExportJob, ExportStatus
from tests.research.conftest import GRANTED, REGRANTED, requested, requested_and_run

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


@pytest.fixture
def succeeded(export_world, coordinator_actor, research_root):
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.SUCCEEDED, job.error
    return job


def test_the_package_expires_after_the_retention_days(succeeded, research_root, settings):
    package = research_root / succeeded.package_name
    assert succeeded.expires_at - succeeded.finished_at >= timedelta(
        days=settings.RESEARCH_EXPORT_RETENTION_DAYS
    ) - timedelta(seconds=5)
    assert exports_expire(now=succeeded.expires_at - timedelta(minutes=1)) == 0
    assert package.exists()
    assert exports_expire(now=succeeded.expires_at + timedelta(minutes=1)) == 1
    succeeded.refresh_from_db()
    assert succeeded.status == ExportStatus.EXPIRED and not succeeded.downloadable
    assert not package.exists()


def test_the_expiry_command_removes_due_packages(succeeded, research_root, capsys):
    ExportJob.objects.filter(pk=succeeded.pk).update(expires_at=timezone.now() - timedelta(days=1))
    call_command("research_exports_expire")
    assert "1 research export(s) expired." in capsys.readouterr().out
    assert not (research_root / succeeded.package_name).exists()


def test_a_run_whose_worker_stopped_reporting_is_queued_again(
    export_world, coordinator_actor, research_root, settings
):
    job = requested(coordinator_actor, export_world.campaign)
    stale = timezone.now() - timedelta(seconds=settings.RESEARCH_EXPORT_LEASE_SECONDS + 60)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, attempts=1, heartbeat_at=stale)
    staging = research_root / f".staging-{job.pk}-1"
    staging.mkdir(parents=True)
    sweep = exports_sweep()
    job.refresh_from_db()
    assert sweep.requeued >= 1
    assert not staging.exists()
    # In-process (no broker) the re-dispatch runs the export at once.
    assert job.status in (ExportStatus.QUEUED, ExportStatus.SUCCEEDED)


def test_a_run_stalled_at_the_attempt_cap_fails(export_world, coordinator_actor, research_root, settings):
    job = requested(coordinator_actor, export_world.campaign)
    stale = timezone.now() - timedelta(seconds=settings.RESEARCH_EXPORT_LEASE_SECONDS + 60)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, attempts=settings.RESEARCH_EXPORT_MAX_ATTEMPTS, heartbeat_at=stale
    )
    assert exports_sweep().failed == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "stopped reporting" in job.error


def test_a_withdrawal_after_the_export_is_listed_against_it(succeeded, export_world, coordinator_actor):
    patient = export_world.patients[GRANTED]
    assert export_withdrawals(job=succeeded) == []
    consent_withdraw(actor=SYSTEM, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.VERBAL)
    (withdrawal,) = export_withdrawals(job=succeeded)
    assert withdrawal.patient_id == patient.pk
    assert exports_with_withdrawals(actor=coordinator_actor) == {succeeded.pk: 1}


def test_a_regrant_after_the_withdrawal_takes_the_warning_away(succeeded, export_world):
    patient = export_world.patients[REGRANTED]
    consent_withdraw(actor=SYSTEM, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.VERBAL)
    assert len(export_withdrawals(job=succeeded)) == 1
    consent_grant(actor=SYSTEM, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.VERBAL)
    assert export_withdrawals(job=succeeded) == []


def test_an_expired_export_still_lists_later_withdrawals(succeeded, export_world):
    exports_expire(now=succeeded.expires_at + timedelta(minutes=1))
    succeeded.refresh_from_db()
    consent_withdraw(
        actor=SYSTEM,
        patient=export_world.patients[GRANTED],
        scope=ConsentScope.RESEARCH,
        method=ConsentMethod.VERBAL,
    )
    assert len(export_withdrawals(job=succeeded)) == 1


def test_the_participants_page_lists_the_exports_that_held_them_and_warns_after_a_withdrawal(
    succeeded, export_world, coordinator_client
):
    from django.urls import reverse

    patient = export_world.patients[GRANTED]
    url = reverse("patients:detail", args=[patient.pk])
    page = coordinator_client.get(url).content.decode()
    assert f"Export {succeeded.pk}</a>" in page and "Ask the researchers" not in page
    consent_withdraw(actor=SYSTEM, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.VERBAL)
    page = coordinator_client.get(url).content.decode()
    assert "Research consent withdrawn" in page and "1 package(s) made before then" in page


def test_the_participants_page_shows_no_exports_to_a_radiologist(succeeded, export_world, radiologist):
    from django.test import Client
    from django.urls import reverse

    export_world.campaign.assigned_staff.add(radiologist)
    client = Client()
    client.force_login(radiologist)
    response = client.get(reverse("patients:detail", args=[export_world.patients[GRANTED].pk]))
    assert response.status_code == 200 and 'id="consent"' in response.content.decode()
    assert "participant-research-exports" not in response.content.decode()
