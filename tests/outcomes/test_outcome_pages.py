"""The outcome page, its forms, the episode page's link, the import and queue pages, and the API."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from screening.outcomes.models import Assessment, Diagnosis, Pathology, UnmatchedDiagnosis
from tests.outcomes.test_registry_import import HEADER, UNKNOWN_NHS_NUMBER

TODAY = timezone.localdate


def test_the_episode_page_links_to_the_outcome_for_those_who_may_see_it(coordinator_client, recalled):
    page = coordinator_client.get(reverse("campaigns:episode", args=[recalled.pk]))
    assert reverse("outcomes:episode", args=[recalled.pk]) in page.content.decode()


def test_a_coordinator_records_assessment_and_per_side_pathology_in_the_form(coordinator_client, recalled):
    page = coordinator_client.get(reverse("outcomes:episode", args=[recalled.pk]))
    html = page.content.decode()
    assert 'id="pathology-R-form"' in html and 'id="pathology-L-form"' in html
    assert "Unknown" in html
    coordinator_client.post(
        reverse("outcomes:assessment", args=[recalled.pk]),
        {"outcome": "biopsy_taken", "attended_on": str(TODAY()), "site": "Leeds"},
    )
    response = coordinator_client.post(
        reverse("outcomes:pathology", args=[recalled.pk]),
        {
            "form_side": "L",
            "pathology-L-side": "L",
            "pathology-L-lesion": "1",
            "pathology-L-kind": "invasive",
            "pathology-L-invasive_size_mm": "21",
            "pathology-L-grade": "3",
            "pathology-L-nodal_status": "positive",
        },
    )
    assert response.status_code == 302
    assert Pathology.objects.get().side == "L" and Assessment.objects.get().site == "Leeds"
    page = coordinator_client.get(reverse("outcomes:episode", args=[recalled.pk]))
    assert 'data-truth="screen_detected"' in page.content.decode()


def test_a_refused_form_shows_why_on_the_sides_form_and_stores_nothing(coordinator_client, recalled):
    response = coordinator_client.post(
        reverse("outcomes:pathology", args=[recalled.pk]),
        {
            "form_side": "R",
            "pathology-R-side": "R",
            "pathology-R-lesion": "1",
            "pathology-R-kind": "benign",
            "pathology-R-invasive_size_mm": "5",
        },
    )
    assert response.status_code == 400
    assert "An invasive size is for invasive cancer" in response.content.decode()
    assert not Pathology.objects.exists()


def test_a_correction_without_a_reason_is_refused_on_the_form(coordinator_client, recalled):
    url = reverse("outcomes:assessment", args=[recalled.pk])
    coordinator_client.post(url, {"outcome": "did_not_attend"})
    response = coordinator_client.post(url, {"outcome": "normal_benign", "attended_on": str(TODAY())})
    assert response.status_code == 400 and "give the reason" in response.content.decode()
    coordinator_client.post(
        url, {"outcome": "normal_benign", "attended_on": str(TODAY()), "reason": "She came"}
    )
    assert Assessment.objects.count() == 2


def test_a_coordinator_withdraws_a_record_entered_in_error(coordinator_client, recalled):
    coordinator_client.post(reverse("outcomes:assessment", args=[recalled.pk]), {"outcome": "did_not_attend"})
    assessment = Assessment.objects.get()
    url = reverse("outcomes:withdraw", args=[recalled.pk, "assessment", assessment.pk])
    coordinator_client.post(url, {"reason": "Wrong episode"})
    assert Assessment.objects.filter(entered_in_error=True, corrects=assessment).exists()


def test_a_radiologist_sees_the_outcome_of_an_assigned_campaign_without_forms(
    radiologist, radiologist_client, recalled
):
    recalled.campaign.assigned_staff.add(radiologist)
    html = radiologist_client.get(reverse("outcomes:episode", args=[recalled.pk])).content.decode()
    assert "assessment-form" not in html and "Truth" in html


def test_the_import_pages_take_a_file_to_its_preview_and_import(coordinator_client, routine):
    content = (
        HEADER
        + f"{routine.patient.identifier},{TODAY() - timedelta(days=3)},R,invasive,11,Registry\n"
        + f"{UNKNOWN_NHS_NUMBER},{TODAY()},L,benign,,Lab\n"
    ).encode()
    response = coordinator_client.post(
        reverse("outcomes:import"), {"csv_file": SimpleUploadedFile("registry.csv", content, "text/csv")}
    )
    preview = coordinator_client.get(response.headers["Location"]).content.decode()
    assert 'data-action="new"' in preview and 'data-action="unmatched"' in preview
    coordinator_client.post(response.headers["Location"] + "confirm/", {"decision": "import"})
    assert Diagnosis.objects.count() == 1 and UnmatchedDiagnosis.objects.count() == 1
    queue = coordinator_client.get(reverse("outcomes:unmatched")).content.decode()
    assert UNKNOWN_NHS_NUMBER in queue


def test_a_hostile_upload_shows_the_reason_and_stores_nothing(coordinator_client):
    upload = SimpleUploadedFile("registry.csv", b"\x00\x01binary", "text/csv")
    response = coordinator_client.post(reverse("outcomes:import"), {"csv_file": upload})
    assert response.status_code == 400 and "binary" in response.content.decode()


def test_an_upload_without_a_file_asks_for_one(coordinator_client):
    response = coordinator_client.post(reverse("outcomes:import"), {})
    assert response.status_code == 400 and "Choose a CSV file" in response.content.decode()


def test_the_api_records_assessment_pathology_and_diagnoses_and_answers_the_truth(
    coordinator, recalled, routine
):
    api = APIClient()
    api.force_authenticate(coordinator)
    url = reverse("outcome-detail", args=[recalled.pk])
    created = api.post(
        url + "assessment/", {"outcome": "biopsy_taken", "attended_on": str(TODAY())}, format="json"
    )
    assert created.status_code == 201, created.json()
    refused = api.post(url + "pathology/", {"kind": "benign"}, format="json")
    assert refused.status_code == 400 and "side" in refused.json()
    api.post(url + "pathology/", {"kind": "benign", "side": "R"}, format="json")
    answer = api.get(url).json()
    assert answer["truth"]["truth"] == "false_positive"
    assert answer["assessment"]["outcome"] == "biopsy_taken" and len(answer["pathology"]) == 1
    diagnosis = api.post(
        reverse("diagnosis-list"),
        {
            "patient": routine.patient_id,
            "diagnosed_on": str(TODAY()),
            "kind": "invasive",
            "reporting_source": "GP",
        },
        format="json",
    )
    assert diagnosis.status_code == 201 and diagnosis.json()["episode"] == routine.pk
    assert api.get(reverse("outcome-detail", args=[routine.pk])).json()["truth"]["truth"] == "interval_cancer"


def test_the_api_schema_documents_the_outcome_routes(coordinator_client):
    schema = coordinator_client.get(reverse("api-schema")).content.decode()
    assert "/api/v1/outcomes/episodes/{id}/assessment/" in schema
    assert "/api/v1/outcomes/diagnoses/" in schema
