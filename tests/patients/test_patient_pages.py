"""The participant pages: search, register, view, edit, consent and opt-out, per role."""

from datetime import date

import pytest
from django.urls import reverse

from screening.campaigns.models import EpisodeStatus
from screening.core.models import AuditEvent
from screening.patients.models import ConsentEvent, Patient
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory
from tests.page_text import without_tokens

pytestmark = pytest.mark.django_db

VALID_NHS = "9434765919"
REGISTRATION = {
    "identifier": "943 476 5919",
    "issuer": "NHS",
    "family_name": "Lovelace",
    "given_name": "Ada",
    "date_of_birth": "1960-12-10",
    "sex": "F",
    "postcode": "ls1 4ap",
}


def _detail(patient) -> str:
    return reverse("patients:detail", args=[patient.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Search -------------------------------------------------------------------------------------


def test_searching_by_name_lists_only_the_matches(coordinator_client):
    PatientFactory(family_name="Lovelace", given_name="Ada")
    PatientFactory(family_name="Hopper", given_name="Grace")
    page = coordinator_client.get(reverse("patients:list"), {"q": "lovel"}).content.decode()
    assert "LOVELACE, Ada" in page
    assert "HOPPER" not in page
    assert "1 participant" in page


def test_searching_by_identifier_and_date_of_birth(coordinator_client):
    ada = PatientFactory(identifier=VALID_NHS, date_of_birth=date(1960, 12, 10))
    PatientFactory(date_of_birth=date(1960, 12, 10))
    page = coordinator_client.get(reverse("patients:list"), {"q": "943 476"}).content.decode()
    assert _detail(ada) in page and "1 participant" in page
    page = coordinator_client.get(reverse("patients:list"), {"date_of_birth": "1960-12-10"}).content.decode()
    assert "2 participants" in page


def test_a_malformed_date_of_birth_lists_everyone_rather_than_failing(coordinator_client, patient):
    response = coordinator_client.get(reverse("patients:list"), {"date_of_birth": "not-a-date"})
    assert response.status_code == 200
    assert _detail(patient) in response.content.decode()


# Register and edit --------------------------------------------------------------------------


def test_registering_a_participant_from_the_page(coordinator_client):
    response = coordinator_client.post(reverse("patients:create"), REGISTRATION)
    patient = Patient.objects.get()
    assert response.status_code == 302 and response.headers["Location"] == _detail(patient)
    assert (patient.identifier, patient.postcode) == (VALID_NHS, "LS1 4AP")


def test_registering_a_duplicate_shows_the_error_and_stores_nothing(coordinator_client):
    coordinator_client.post(reverse("patients:create"), REGISTRATION)
    response = coordinator_client.post(reverse("patients:create"), {**REGISTRATION, "given_name": "Other"})
    assert response.status_code == 200
    assert "A participant with this identifier already exists." in response.content.decode()
    assert Patient.objects.count() == 1


def test_an_invalid_nhs_number_shows_the_error_on_the_form(coordinator_client):
    response = coordinator_client.post(
        reverse("patients:create"), {**REGISTRATION, "identifier": "9434765918"}
    )
    assert response.status_code == 200
    assert "Not a valid NHS number" in response.content.decode()
    assert not Patient.objects.exists()


def test_editing_saves_details_but_never_the_identifier(coordinator_client, patient):
    response = coordinator_client.post(
        reverse("patients:edit", args=[patient.pk]),
        {
            "identifier": VALID_NHS,
            "family_name": "Newname",
            "given_name": patient.given_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": patient.sex,
            "postcode": patient.postcode,
        },
    )
    assert response.status_code == 302
    stored = Patient.objects.get(pk=patient.pk)
    assert stored.family_name == "Newname"
    assert stored.identifier == patient.identifier
    assert AuditEvent.objects.filter(action="change").get().detail == {"fields": ["family_name"]}


def test_the_edit_form_shows_service_errors(coordinator_client, patient):
    response = coordinator_client.post(
        reverse("patients:edit", args=[patient.pk]),
        {
            "family_name": patient.family_name,
            "given_name": patient.given_name,
            "date_of_birth": "1890-01-01",
            "sex": patient.sex,
        },
    )
    assert response.status_code == 200
    assert "Date of birth is before 1900." in response.content.decode()


# Scope --------------------------------------------------------------------------------------


@pytest.fixture
def assigned_patient(radiologist):
    campaign = CampaignFactory()
    campaign.assigned_staff.add(radiologist)
    return EpisodeFactory(campaign=campaign).patient


def test_a_radiologist_sees_only_participants_of_assigned_campaigns(radiologist_client, assigned_patient):
    other = PatientFactory()
    EpisodeFactory(patient=other)
    page = radiologist_client.get(reverse("patients:list")).content.decode()
    assert _detail(assigned_patient) in page
    assert _detail(other) not in page
    assert radiologist_client.get(_detail(assigned_patient)).status_code == 200
    assert radiologist_client.get(_detail(other)).status_code == 404


def test_a_radiologist_may_read_but_not_change_a_participant(radiologist_client, assigned_patient):
    page = radiologist_client.get(_detail(assigned_patient)).content.decode()
    assert "consent-form" not in page
    assert reverse("patients:edit", args=[assigned_patient.pk]) not in page
    assert reverse("patients:opt_out", args=[assigned_patient.pk]) not in page
    assert radiologist_client.get(reverse("patients:edit", args=[assigned_patient.pk])).status_code == 403
    response = radiologist_client.post(
        reverse("patients:consent_grant", args=[assigned_patient.pk]),
        {"scope": "screening", "method": "written"},
    )
    assert response.status_code == 403
    assert not ConsentEvent.objects.exists()
    response = radiologist_client.post(
        reverse("patients:opt_out", args=[assigned_patient.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    assert not Patient.objects.get(pk=assigned_patient.pk).is_opted_out


@pytest.mark.parametrize("route", ["patients:list", "patients:create"])
def test_an_auditor_is_refused_the_participant_pages(auditor_client, route):
    assert auditor_client.get(reverse(route)).status_code == 403


def test_an_auditor_is_refused_a_participant(auditor_client, patient):
    response = auditor_client.get(_detail(patient))
    assert response.status_code == 403
    assert patient.family_name not in without_tokens(response.content.decode())


def test_an_unknown_participant_is_not_found(coordinator_client):
    assert coordinator_client.get(reverse("patients:detail", args=[999999])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, patient):
    response = client.get(_detail(patient))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


# Consent ------------------------------------------------------------------------------------


def test_the_page_offers_grant_and_withdraw_buttons(coordinator_client, patient):
    page = coordinator_client.get(_detail(patient)).content.decode()
    assert f'formaction="{reverse("patients:consent_grant", args=[patient.pk])}"' in page
    assert f'formaction="{reverse("patients:consent_withdraw", args=[patient.pk])}"' in page


def test_granting_and_withdrawing_show_in_the_history(coordinator_client, patient):
    response = coordinator_client.post(
        reverse("patients:consent_grant", args=[patient.pk]),
        {"scope": "ai_reading", "method": "written", "note": "Signed form"},
        follow=True,
    )
    assert "AI-assisted reading consent granted." in _messages(response)
    response = coordinator_client.post(
        reverse("patients:consent_withdraw", args=[patient.pk]),
        {"scope": "ai_reading", "method": "verbal"},
        follow=True,
    )
    assert "AI-assisted reading consent withdrawn." in _messages(response)
    history = response.content.decode().split('id="consent-history"')[1]
    assert history.count("AI-assisted reading") == 2
    assert "Withdrawn" in history and "Granted" in history and "Signed form" in history
    assert history.index("Granted") < history.index("Withdrawn")  # oldest first, like every history
    assert [e.action for e in ConsentEvent.objects.order_by("id")] == ["granted", "withdrawn"]
    current = response.content.decode().split('data-scope="ai_reading"')[1].split("</tr>")[0]
    assert "Withdrawn" in current


def test_a_forged_consent_scope_is_refused_and_stores_nothing(coordinator_client, patient):
    response = coordinator_client.post(
        reverse("patients:consent_grant", args=[patient.pk]),
        {"scope": "marketing", "method": "written"},
        follow=True,
    )
    assert "Choose a consent scope and how it was recorded." in _messages(response)
    assert not ConsentEvent.objects.exists()
    assert not AuditEvent.objects.filter(object_type="consent").exists()


def test_a_forged_consent_method_is_refused_and_stores_nothing(coordinator_client, patient):
    coordinator_client.post(
        reverse("patients:consent_grant", args=[patient.pk]), {"scope": "screening", "method": "telepathy"}
    )
    assert not ConsentEvent.objects.exists()


def test_withdrawing_consent_never_granted_is_a_clear_error(coordinator_client, patient):
    response = coordinator_client.post(
        reverse("patients:consent_withdraw", args=[patient.pk]),
        {"scope": "research", "method": "written"},
        follow=True,
    )
    assert any("nothing to withdraw" in m for m in _messages(response))
    assert not ConsentEvent.objects.exists()


def test_consent_pages_answer_only_post(coordinator_client, patient):
    response = coordinator_client.get(reverse("patients:consent_grant", args=[patient.pk]))
    assert response.status_code == 405


# Opt-out ------------------------------------------------------------------------------------


def test_opting_out_from_the_page_ends_open_episodes(coordinator_client, patient):
    episode = EpisodeFactory(patient=patient)
    response = coordinator_client.post(
        reverse("patients:opt_out", args=[patient.pk]), {"reason": "Moved abroad"}, follow=True
    )
    assert "The participant has opted out of screening." in _messages(response)
    page = response.content.decode()
    assert "Opted out" in page and "Moved abroad" in page
    assert reverse("patients:opt_out", args=[patient.pk]) not in page  # no second opt-out offered
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.OPTED_OUT


def test_opting_out_needs_a_reason(coordinator_client, patient):
    response = coordinator_client.post(reverse("patients:opt_out", args=[patient.pk]), {}, follow=True)
    assert "Give the reason the participant opts out." in _messages(response)
    assert not Patient.objects.get(pk=patient.pk).is_opted_out


def test_an_invalid_date_of_birth_keeps_the_name_search(coordinator_client):
    PatientFactory(family_name="Quennell")
    PatientFactory(family_name="Other")
    response = coordinator_client.get("/patients/", {"q": "Quennell", "date_of_birth": "1960-02-31"})
    assert [p.family_name for p in response.context["page"]] == ["Quennell"]
    assert response.context["form"].errors["date_of_birth"]
