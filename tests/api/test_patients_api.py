from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from screening.core.models import AuditEvent
from screening.patients.models import ConsentEvent, Patient
from tests.factories import PASSWORD, CampaignFactory, EpisodeFactory, PatientFactory

PATIENTS = "/api/v1/patients/"


def patient_url(patient, suffix: str = "") -> str:
    return f"{PATIENTS}{patient.pk}/{suffix}"


def new_patient_payload(**overrides):
    payload = {
        "identifier": "943 476 5919",
        "issuer": "NHS",
        "family_name": "Okafor",
        "given_name": "Ada",
        "date_of_birth": "1965-04-12",
        "sex": "F",
        "postcode": "ls1 4ap",
    }
    return payload | overrides


# Authentication -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_from_the_token_endpoint_authenticates_api_requests(coordinator, patient):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": coordinator.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")

    listed = client.get(PATIENTS)

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [patient.pk]


@pytest.mark.django_db
def test_a_wrong_token_is_refused(patient):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(PATIENTS).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("post", ""), ("get", "{id}/"), ("patch", "{id}/"), ("get", "{id}/consents/")],
)
def test_anonymous_requests_are_refused_as_unauthenticated(anonymous_api, patient, method, suffix):
    response = getattr(anonymous_api, method)(PATIENTS + suffix.format(id=patient.pk), {}, format="json")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_session_reads_work_but_session_writes_need_the_csrf_token(coordinator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)

    assert client.get(PATIENTS).status_code == 200
    response = client.post(PATIENTS, new_patient_payload(), content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Patient.objects.exists()


# Listing, pagination, filtering -------------------------------------------------------------


@pytest.mark.django_db
def test_patient_list_is_paginated_by_fifty(coordinator_api):
    PatientFactory.create_batch(51)

    first = coordinator_api.get(PATIENTS).json()
    second = coordinator_api.get(PATIENTS, {"page": 2}).json()

    assert first["count"] == 51
    assert len(first["results"]) == 50
    assert first["next"].endswith("?page=2")
    assert len(second["results"]) == 1
    assert second["next"] is None


@pytest.mark.django_db
def test_patient_list_filters_by_name_or_identifier_prefix(coordinator_api):
    ada = PatientFactory(family_name="Lovelace", given_name="Ada", identifier="9434765919")
    grace = PatientFactory(family_name="Hopper", given_name="Grace", identifier="4010232137")

    by_name = coordinator_api.get(PATIENTS, {"q": "love"}).json()["results"]
    by_identifier = coordinator_api.get(PATIENTS, {"q": "401023"}).json()["results"]

    assert [row["id"] for row in by_name] == [ada.pk]
    assert [row["id"] for row in by_identifier] == [grace.pk]


@pytest.mark.django_db
def test_patient_list_filters_by_date_of_birth_and_issuer(coordinator_api):
    born_1960 = PatientFactory(date_of_birth=date(1960, 1, 2))
    PatientFactory(date_of_birth=date(1961, 1, 2))
    local = PatientFactory(issuer="LEEDS-MRN", identifier="MRN-0001")

    by_birth = coordinator_api.get(PATIENTS, {"date_of_birth": "1960-01-02"}).json()["results"]
    by_issuer = coordinator_api.get(PATIENTS, {"issuer": "LEEDS-MRN"}).json()["results"]

    assert [row["id"] for row in by_birth] == [born_1960.pk]
    assert [row["id"] for row in by_issuer] == [local.pk]


@pytest.mark.django_db
def test_patient_list_rejects_a_malformed_date_filter(coordinator_api):
    response = coordinator_api.get(PATIENTS, {"date_of_birth": "12/04/1965"})
    assert response.status_code == 400
    assert "date_of_birth" in response.json()


@pytest.mark.django_db
def test_listing_and_searching_patients_is_audited(coordinator_api, coordinator, patient):
    coordinator_api.get(PATIENTS)
    coordinator_api.get(PATIENTS, {"q": "smith"})

    events = AuditEvent.objects.filter(object_type="patient", actor_username=coordinator.username)
    assert list(events.order_by("sequence").values_list("action", flat=True)) == ["list", "search"]


# Viewing ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_viewing_a_patient_returns_the_details_and_is_audited(coordinator_api, patient):
    response = coordinator_api.get(patient_url(patient))

    assert response.status_code == 200
    assert response.json()["identifier"] == patient.identifier
    assert AuditEvent.objects.filter(action="view", object_type="patient", object_id=str(patient.pk)).exists()


@pytest.mark.django_db
def test_an_unknown_patient_is_not_found(coordinator_api):
    assert coordinator_api.get(f"{PATIENTS}999999/").status_code == 404


# Registering --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_registering_a_patient_stores_it_and_audits_the_creation(coordinator_api):
    response = coordinator_api.post(PATIENTS, new_patient_payload(), format="json")

    assert response.status_code == 201
    patient = Patient.objects.get(pk=response.json()["id"])
    assert patient.identifier == "9434765919"
    assert response.json()["postcode"] == "LS1 4AP"
    assert AuditEvent.objects.filter(
        action="create", object_type="patient", object_id=str(patient.pk)
    ).exists()


@pytest.mark.django_db
def test_registering_with_a_bad_nhs_number_is_a_400_and_stores_nothing(coordinator_api):
    response = coordinator_api.post(PATIENTS, new_patient_payload(identifier="9434765918"), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "identifier": ["Not a valid NHS number (10 digits with a correct check digit)."]
    }
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_registering_without_required_fields_names_each_missing_field(coordinator_api):
    response = coordinator_api.post(PATIENTS, {"identifier": "9434765919"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"family_name", "given_name", "date_of_birth", "sex"}
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_registering_a_duplicate_identifier_is_a_400(coordinator_api, patient):
    response = coordinator_api.post(
        PATIENTS, new_patient_payload(identifier=patient.identifier), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"identifier": ["A participant with this identifier already exists."]}
    assert Patient.objects.count() == 1


# Editing and opting out ---------------------------------------------------------------------


@pytest.mark.django_db
def test_patching_a_patient_changes_only_the_given_fields_and_audits_them(coordinator_api, patient):
    response = coordinator_api.patch(patient_url(patient), {"phone": "0113 496 0000"}, format="json")

    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.phone == "0113 496 0000"
    change = AuditEvent.objects.get(action="change", object_type="patient", object_id=str(patient.pk))
    assert change.detail == {"fields": ["phone"]}


@pytest.mark.django_db
def test_patching_a_future_date_of_birth_is_a_400_and_changes_nothing(coordinator_api, patient):
    born = patient.date_of_birth
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = coordinator_api.patch(patient_url(patient), {"date_of_birth": tomorrow}, format="json")

    assert response.status_code == 400
    assert response.json() == {"date_of_birth": ["Date of birth is in the future."]}
    patient.refresh_from_db()
    assert patient.date_of_birth == born


@pytest.mark.django_db
def test_patching_the_identifier_is_refused(coordinator_api, patient):
    identifier = patient.identifier

    response = coordinator_api.patch(
        patient_url(patient), {"identifier": "9434765919", "phone": "1"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"identifier": ["This field cannot be changed."]}
    patient.refresh_from_db()
    assert (patient.identifier, patient.phone) == (identifier, "")


@pytest.mark.django_db
def test_opting_out_records_the_reason_once(coordinator_api, patient):
    first = coordinator_api.post(patient_url(patient, "opt-out/"), {"reason": "Moved abroad"}, format="json")
    second = coordinator_api.post(patient_url(patient, "opt-out/"), {"reason": "Again"}, format="json")

    assert first.status_code == 200
    assert first.json()["opted_out_reason"] == "Moved abroad"
    assert second.status_code == 400
    assert second.json() == {"non_field_errors": ["This participant has already opted out of screening."]}


@pytest.mark.django_db
def test_opting_out_needs_a_reason(coordinator_api, patient):
    response = coordinator_api.post(patient_url(patient, "opt-out/"), {}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    patient.refresh_from_db()
    assert patient.opted_out_at is None


# Consent ------------------------------------------------------------------------------------


def record_consent(client, patient, action: str, scope: str = "ai_reading"):
    return client.post(
        patient_url(patient, "consents/"),
        {"scope": scope, "action": action, "method": "written", "note": "Signed form"},
        format="json",
    )


@pytest.mark.django_db
def test_granting_consent_returns_the_event_and_shows_in_the_current_state(coordinator_api, patient):
    response = record_consent(coordinator_api, patient, "grant")

    assert response.status_code == 201
    assert response.json()["action"] == "granted"
    assert response.json()["recorded_by"] == "coordinator"
    overview = coordinator_api.get(patient_url(patient, "consents/")).json()
    current = {state["scope"]: state["state"] for state in overview["current"]}
    assert current == {"screening": "Not recorded", "ai_reading": "Granted", "research": "Not recorded"}
    assert [event["id"] for event in overview["history"]] == [response.json()["id"]]


@pytest.mark.django_db
def test_granting_consent_twice_is_a_400_with_a_clear_message(coordinator_api, patient):
    record_consent(coordinator_api, patient, "grant")

    response = record_consent(coordinator_api, patient, "grant")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["AI-assisted reading consent is already granted."]}
    assert ConsentEvent.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
def test_withdrawing_consent_twice_is_a_400_and_stores_nothing_more(coordinator_api, patient):
    record_consent(coordinator_api, patient, "grant")
    assert record_consent(coordinator_api, patient, "withdraw").status_code == 201

    response = record_consent(coordinator_api, patient, "withdraw")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["AI-assisted reading consent is not granted: nothing to withdraw."]
    }
    assert ConsentEvent.objects.filter(patient=patient).count() == 2


@pytest.mark.django_db
def test_consent_with_an_unknown_scope_is_a_400(coordinator_api, patient):
    response = record_consent(coordinator_api, patient, "grant", scope="marketing")

    assert response.status_code == 400
    assert "scope" in response.json()
    assert not ConsentEvent.objects.exists()


@pytest.mark.django_db
def test_reading_the_consent_history_is_audited_as_a_list(coordinator_api, patient):
    coordinator_api.get(patient_url(patient, "consents/"))

    event = AuditEvent.objects.get(action="list", object_type="consent")
    assert event.detail == {"patient": patient.pk}


# Scope and roles ----------------------------------------------------------------------------


@pytest.fixture
def assigned_and_other_patient(radiologist):
    """A participant in a campaign the radiologist reads for, and one in a campaign they do not."""
    assigned_campaign = CampaignFactory()
    assigned_campaign.assigned_staff.add(radiologist)
    assigned = EpisodeFactory(campaign=assigned_campaign).patient
    other = EpisodeFactory(campaign=CampaignFactory()).patient
    return assigned, other


@pytest.mark.django_db
def test_radiologist_lists_only_patients_of_assigned_campaigns(radiologist_api, assigned_and_other_patient):
    assigned, _other = assigned_and_other_patient

    results = radiologist_api.get(PATIENTS).json()["results"]

    assert [row["id"] for row in results] == [assigned.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "consents/"])
def test_radiologist_gets_404_for_patients_outside_assigned_campaigns(
    radiologist_api, assigned_and_other_patient, suffix
):
    assigned, other = assigned_and_other_patient

    assert radiologist_api.get(patient_url(assigned, suffix)).status_code == 200
    assert radiologist_api.get(patient_url(other, suffix)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("post", ""), ("patch", "{id}/"), ("post", "{id}/opt-out/"), ("post", "{id}/consents/")],
)
def test_radiologist_may_not_change_patients(radiologist_api, assigned_and_other_patient, method, suffix):
    assigned, _other = assigned_and_other_patient

    response = getattr(radiologist_api, method)(PATIENTS + suffix.format(id=assigned.pk), {}, format="json")

    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("post", ""),
        ("get", "{id}/"),
        ("patch", "{id}/"),
        ("post", "{id}/opt-out/"),
        ("get", "{id}/consents/"),
        ("post", "{id}/consents/"),
    ],
)
def test_auditor_is_refused_every_patient_endpoint(auditor_api, patient, method, suffix):
    response = getattr(auditor_api, method)(PATIENTS + suffix.format(id=patient.pk), {}, format="json")

    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access", outcome="denied", actor_username="auditor").exists()
    assert not AuditEvent.objects.filter(object_type="patient").exists()
