"""The job console, its JSON feed and actions, the API, and results on the study page: who may do what."""

from io import BytesIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image

from screening.core.models import AuditEvent
from screening.imaging.intake_signals import studies_announce
from screening.inference_jobs.models import InferenceJob, JobStatus
from tests.inference_jobs.conftest import prediction_for, result_store
from tests.inference_jobs.job_fixtures import ai_campaign, imaged_episode, mg_study

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(media_in_tmp, model_root):
    return media_in_tmp


@pytest.fixture
def dead_job(django_capture_on_commit_callbacks, sent):
    study = mg_study(imaged_episode(ai_campaign()))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    job = InferenceJob.objects.get(study=study)
    InferenceJob.objects.filter(pk=job.pk).update(status=JobStatus.DEAD, error="worker lost during attempt 3")
    job.refresh_from_db()
    return job


@pytest.fixture
def scored(django_capture_on_commit_callbacks, sent, radiologist):
    """A study with a stored result, in a campaign the radiologist is assigned to."""
    campaign = ai_campaign()
    campaign.assigned_staff.add(radiologist)
    study = mg_study(imaged_episode(campaign))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    job = InferenceJob.objects.get(study=study)
    return result_store(job_id=job.pk, attempt=1, prediction=prediction_for(sent[-1], score=0.81))


def test_console_shows_counts_and_dead_jobs_with_their_error(coordinator_client, dead_job):
    response = coordinator_client.get(reverse("inference_jobs:console"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="dead"><b>1</b>' in page
    assert "worker lost during attempt 3" in page
    assert reverse("inference_jobs:job_retry", args=[dead_job.pk]) in page
    assert "js/inference_console.js" in page


def test_console_feed_gives_counts_throughput_oldest_and_problems(coordinator_client, dead_job):
    data = coordinator_client.get(reverse("inference_jobs:console_json")).json()
    assert data["counts"]["dead"] == 1 and data["counts"]["queued"] == 0
    assert data["succeeded_last_hour"] == 0 and data["per_minute"] == 0
    assert data["problems"][0]["id"] == dead_job.pk and data["problems"][0]["can_retry"]


def test_coordinator_retries_a_dead_job_from_the_console(
    coordinator_client, dead_job, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(reverse("inference_jobs:job_retry", args=[dead_job.pk]))
    assert response.status_code == 302
    dead_job.refresh_from_db()
    assert dead_job.status == JobStatus.QUEUED and sent[-1]["attempt"] == dead_job.attempts


def test_console_actions_refuse_radiologists_and_auditors_and_change_nothing(
    radiologist_client, auditor_client, dead_job
):
    for client in (radiologist_client, auditor_client):
        for name in ("inference_jobs:job_retry", "inference_jobs:job_cancel"):
            assert client.post(reverse(name, args=[dead_job.pk])).status_code == 403
    dead_job.refresh_from_db()
    assert dead_job.status == JobStatus.DEAD
    assert not dead_job.events.filter(actor__in=["radiologist", "auditor"]).exists()


def test_a_forged_post_without_csrf_token_is_refused(coordinator, dead_job):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    response = client.post(reverse("inference_jobs:job_retry", args=[dead_job.pk]))
    assert response.status_code == 403
    dead_job.refresh_from_db()
    assert dead_job.status == JobStatus.DEAD


def test_console_actions_do_not_answer_get(coordinator_client, dead_job):
    assert coordinator_client.get(reverse("inference_jobs:job_retry", args=[dead_job.pk])).status_code == 405


def test_api_lists_filters_and_cancels_jobs(
    coordinator_client, dead_job, django_capture_on_commit_callbacks, sent
):
    study = mg_study(imaged_episode(ai_campaign()))
    with django_capture_on_commit_callbacks(execute=True):
        studies_announce([study.pk])
    queued = InferenceJob.objects.get(study=study)
    listed = coordinator_client.get("/api/v1/inference/jobs/", {"status": "dead"}).json()
    assert [job["id"] for job in listed["results"]] == [dead_job.pk]
    detail = coordinator_client.get(f"/api/v1/inference/jobs/{queued.pk}/").json()
    assert detail["events"][0]["to_status"] == "queued" and detail["attempts"] == 1
    response = coordinator_client.post(f"/api/v1/inference/jobs/{queued.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = coordinator_client.post(f"/api/v1/inference/jobs/{queued.pk}/cancel/")
    assert again.status_code == 400


def test_api_job_actions_refuse_radiologists(radiologist_client, dead_job):
    assert radiologist_client.get("/api/v1/inference/jobs/").status_code == 403
    assert radiologist_client.post(f"/api/v1/inference/jobs/{dead_job.pk}/retry/").status_code == 403
    dead_job.refresh_from_db()
    assert dead_job.status == JobStatus.DEAD


def test_study_page_shows_score_band_sides_model_and_overlays(radiologist_client, scored):
    response = radiologist_client.get(reverse("imaging:study", args=[scored.study_id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<b id="ai-score">0.810</b>' in page and "High suspicion" in page
    assert "R 0.810 · L 0.050" in page
    assert "test-breast 1.0.0" in page
    assert 'id="ai-overlay-toggle"' in page and "js/ai_overlay.js" in page
    assert AuditEvent.objects.filter(
        object_type="inference_result", object_id=str(scored.pk), action="view"
    ).exists()


def test_overlay_is_a_coloured_translucent_png_audited_once(radiologist_client, scored, radiologist):
    image = scored.images.first()
    url = reverse("inference_jobs:overlay_png", args=[image.pk])
    response = radiologist_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"].startswith("private")
    overlay = Image.open(BytesIO(response.content))
    assert overlay.mode == "RGBA" and overlay.size == (26, 32)
    red, _green, blue, alpha = overlay.getpixel((5, 5))
    assert alpha > 0 and red > blue
    radiologist_client.get(url)
    views = AuditEvent.objects.filter(
        object_type="inference_result", actor_username="radiologist", detail__heatmaps=True
    )
    assert views.count() == 1


def test_overlay_and_result_are_hidden_outside_the_readers_scope(scored, db):
    from screening.core.roles import Role
    from tests.factories import UserFactory

    outsider = Client()
    outsider.force_login(UserFactory(username="other-radiologist", role=Role.RADIOLOGIST))
    image = scored.images.first()
    assert outsider.get(reverse("inference_jobs:overlay_png", args=[image.pk])).status_code == 404
    assert outsider.get(f"/api/v1/studies/{scored.study_id}/ai-result/").status_code == 404


def test_api_gives_the_result_on_the_study(radiologist_client, scored):
    data = radiologist_client.get(f"/api/v1/studies/{scored.study_id}/ai-result/").json()
    assert data["study_score"] == 0.81 and data["band"] == "high"
    assert data["model_name"] == "test-breast" and data["model_version"] == "1.0.0"
    assert len(data["images"]) == 4 and all(i["overlay_url"] for i in data["images"])


def test_models_command_lists_the_registry_and_its_problems(model_root, capsys):
    (model_root / "broken" / "0.1").mkdir(parents=True)
    call_command("models")
    out = capsys.readouterr().out
    assert "test-breast" in out and "1.0.0" in out and "MISMATCH" in out
    assert "broken" in out and "Problems" in out
