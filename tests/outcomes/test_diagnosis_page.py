"""Recording one diagnosis in a form: found from the participant page or the outcomes pages, linked
to the screen it followed, audited, refused with a reason and nothing stored."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from screening.campaigns.models import EpisodeResult
from screening.core.models import AuditEvent
from screening.outcomes.models import Diagnosis, RecordedVia
from tests.factories import PatientFactory
from tests.outcomes.conftest import screened_episode

TODAY = timezone.localdate


def _gp_report(**overrides: str) -> dict[str, str]:
    return {
        "diagnosed_on": str(TODAY() - timedelta(days=20)),
        "kind": "invasive",
        "side": "L",
        "size_mm": "17",
        "reporting_source": "Park Lane Surgery (GP)",
        **overrides,
    }


def test_the_participant_page_and_the_outcomes_pages_lead_to_the_form(coordinator_client, routine):
    form_url = reverse("outcomes:diagnosis", args=[routine.patient_id])
    participant = coordinator_client.get(reverse("patients:detail", args=[routine.patient_id]))
    assert form_url in participant.content.decode()
    queue = coordinator_client.get(reverse("outcomes:unmatched"))
    assert reverse("outcomes:diagnosis_search") in queue.content.decode()
    search = coordinator_client.get(reverse("outcomes:diagnosis_search"), {"q": routine.patient.family_name})
    assert form_url in search.content.decode()
    outcome = coordinator_client.get(reverse("outcomes:episode", args=[routine.pk]))
    assert form_url in outcome.content.decode()


def test_a_radiologist_sees_no_link_and_cannot_record(radiologist_client, routine):
    participant = radiologist_client.get(reverse("patients:detail", args=[routine.patient_id]))
    assert reverse("outcomes:diagnosis", args=[routine.patient_id]) not in participant.content.decode()
    response = radiologist_client.post(reverse("outcomes:diagnosis", args=[routine.patient_id]), _gp_report())
    assert response.status_code == 403
    assert not Diagnosis.objects.exists()


def test_a_gp_reported_cancer_after_a_routine_result_is_an_interval_cancer(coordinator, coordinator_client):
    episode = screened_episode(result=EpisodeResult.ROUTINE, days_ago=400)
    response = coordinator_client.post(reverse("outcomes:diagnosis", args=[episode.patient_id]), _gp_report())

    assert response.status_code == 302 and response.url == reverse("outcomes:episode", args=[episode.pk])
    diagnosis = Diagnosis.objects.get()
    assert diagnosis.episode_id == episode.pk and diagnosis.recorded_via == RecordedVia.FORM
    assert diagnosis.recorded_by == coordinator and diagnosis.size_mm == 17
    assert 12.4 <= diagnosis.months_since_screening <= 12.6
    audit = AuditEvent.objects.get(object_type="diagnosis", object_id=str(diagnosis.pk))
    assert audit.actor_username == "coordinator" and audit.detail["episode"] == episode.pk
    page = coordinator_client.get(response.url)
    assert 'data-truth="interval_cancer"' in page.content.decode()
    form = coordinator_client.get(reverse("outcomes:diagnosis", args=[episode.patient_id]))
    assert "Park Lane Surgery (GP)" in form.content.decode()


def test_a_diagnosis_before_any_screen_is_kept_on_the_participant(coordinator_client):
    patient = PatientFactory()
    response = coordinator_client.post(reverse("outcomes:diagnosis", args=[patient.pk]), _gp_report())

    assert response.status_code == 302
    assert response.url == reverse("outcomes:diagnosis", args=[patient.pk])
    assert Diagnosis.objects.get().episode_id is None


def test_a_refused_diagnosis_says_why_and_stores_nothing(coordinator_client, routine):
    url = reverse("outcomes:diagnosis", args=[routine.patient_id])
    future = coordinator_client.post(url, _gp_report(diagnosed_on=str(TODAY() + timedelta(days=3))))
    assert future.status_code == 400
    assert "The diagnosis date is in the future." in future.content.decode()
    nobody = coordinator_client.post(url, _gp_report(reporting_source="  "))
    assert nobody.status_code == 400
    wrong = coordinator_client.post(url, _gp_report(kind="melanoma", size_mm="-4"))
    assert wrong.status_code == 400
    assert not Diagnosis.objects.exists()
