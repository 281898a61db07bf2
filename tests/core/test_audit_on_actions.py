"""Every read or change of patient data is audited by the service that does it, or does not happen."""

from datetime import date

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from screening.campaigns.campaign_services import cohort_invite
from screening.campaigns.episode_services import episode_transition
from screening.campaigns.models import Episode, EpisodeStatus
from screening.core.audit_selectors import audit_chain_verify
from screening.core.models import AuditAction, AuditEvent, AuditOutcome
from screening.patients.consent_services import consent_grant
from screening.patients.models import ConsentEvent, ConsentMethod, ConsentScope, Patient
from screening.patients.patient_selectors import patient_get, patient_search
from screening.patients.patient_services import patient_create, patient_opt_out, patient_update
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

PAGE_IP = "192.0.2.7"


def _last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-sequence").first()


def _client(user) -> Client:
    client = Client(REMOTE_ADDR=PAGE_IP)
    client.force_login(user)
    return client


@pytest.fixture
def audit_fails(monkeypatch):
    """Make every audit write fail, as a full disk or a lost database connection would."""

    def refuse(*args, **kwargs):
        raise DatabaseError("audit trail unavailable")

    from screening.core import audit_services

    monkeypatch.setattr(audit_services, "_events_insert", refuse)


def _assert_audited(event: AuditEvent, *, action: str, object_type: str, object_id="", ip="10.0.0.1"):
    assert event.actor_username == "coordinator"
    assert event.role == "coordinator"
    assert event.action == action
    assert event.object_type == object_type
    assert event.object_id == str(object_id)
    assert event.ip_address == ip
    assert event.outcome == AuditOutcome.SUCCESS


# What each service writes -------------------------------------------------------------------


def test_registering_a_participant_is_audited(coordinator_actor):
    patient = patient_create(
        actor=coordinator_actor,
        identifier="943 476 5919",
        issuer="NHS",
        family_name="Example",
        given_name="Ada",
        date_of_birth=date(1965, 4, 1),
        sex="F",
    )
    _assert_audited(_last_event(), action=AuditAction.CREATE, object_type="patient", object_id=patient.pk)


def test_changing_a_participant_is_audited(coordinator_actor, patient):
    patient_update(actor=coordinator_actor, patient=patient, changes={"phone": "0113 496 0000"})
    event = _last_event()
    _assert_audited(event, action=AuditAction.CHANGE, object_type="patient", object_id=patient.pk)
    assert event.detail == {"fields": ["phone"]}


def test_viewing_a_participant_is_audited(coordinator_actor, patient):
    patient_get(actor=coordinator_actor, patient_id=patient.pk)
    _assert_audited(_last_event(), action=AuditAction.VIEW, object_type="patient", object_id=patient.pk)


def test_searching_participants_is_audited_without_the_terms(coordinator_actor, patient):
    list(patient_search(actor=coordinator_actor, query=patient.family_name))
    event = _last_event()
    _assert_audited(event, action=AuditAction.SEARCH, object_type="patient")
    assert patient.family_name not in str(event.detail)


def test_recording_consent_is_audited(coordinator_actor, patient):
    consent = consent_grant(
        actor=coordinator_actor, patient=patient, scope=ConsentScope.SCREENING, method=ConsentMethod.WRITTEN
    )
    event = _last_event()
    _assert_audited(event, action=AuditAction.CHANGE, object_type="consent", object_id=consent.pk)
    assert event.detail == {"patient": patient.pk, "scope": "screening", "consent": "granted"}


def test_opting_out_is_audited_for_the_participant_and_each_open_episode(coordinator_actor):
    episode = EpisodeFactory()
    patient_opt_out(actor=coordinator_actor, patient=episode.patient, reason="Moved abroad")
    patient_event, episode_event = AuditEvent.objects.order_by("-sequence")[1], _last_event()
    _assert_audited(
        patient_event, action=AuditAction.CHANGE, object_type="patient", object_id=episode.patient_id
    )
    _assert_audited(episode_event, action=AuditAction.CHANGE, object_type="episode", object_id=episode.pk)


def test_moving_an_episode_is_audited(coordinator_actor):
    episode = EpisodeFactory()
    episode_transition(actor=coordinator_actor, episode=episode, to_status=EpisodeStatus.DID_NOT_ATTEND)
    event = _last_event()
    _assert_audited(event, action=AuditAction.CHANGE, object_type="episode", object_id=episode.pk)
    assert event.detail == {"from": "invited", "to": "did_not_attend", "result": ""}


def test_inviting_a_cohort_audits_every_new_episode(coordinator_actor):
    campaign = CampaignFactory()
    PatientFactory.create_batch(3)
    assert cohort_invite(actor=coordinator_actor, campaign=campaign) == 3
    events = AuditEvent.objects.filter(object_type="episode", action=AuditAction.CREATE)
    assert sorted(int(e.object_id) for e in events) == sorted(campaign.episodes.values_list("pk", flat=True))
    assert {e.actor_username for e in events} == {"coordinator"}


# Pages: the actor's address and role come from the request ----------------------------------


def test_a_page_records_the_address_the_request_came_from(coordinator, patient):
    response = _client(coordinator).get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    _assert_audited(
        _last_event(), action=AuditAction.VIEW, object_type="patient", object_id=patient.pk, ip=PAGE_IP
    )


def test_the_campaign_page_audits_the_list_of_its_participants(coordinator):
    episode = EpisodeFactory()
    response = _client(coordinator).get(reverse("campaigns:detail", args=[episode.campaign_id]))
    assert response.status_code == 200
    event = _last_event()
    _assert_audited(event, action=AuditAction.LIST, object_type="episode", ip=PAGE_IP)
    assert event.detail["campaign"] == episode.campaign_id


def test_the_episode_page_is_audited(radiologist):
    episode = EpisodeFactory()
    episode.campaign.assigned_staff.add(radiologist)
    response = _client(radiologist).get(reverse("campaigns:episode", args=[episode.pk]))
    assert response.status_code == 200
    event = _last_event()
    assert (event.actor_username, event.role, event.action) == ("radiologist", "radiologist", "view")
    assert (event.object_type, event.object_id, event.ip_address) == ("episode", str(episode.pk), PAGE_IP)


def test_a_refused_page_is_audited_as_denied(auditor, patient):
    response = _client(auditor).get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 403
    event = _last_event()
    assert (event.actor_username, event.role) == ("auditor", "auditor")
    assert (event.action, event.outcome) == (AuditAction.ACCESS, AuditOutcome.DENIED)
    assert (event.object_type, event.object_id) == ("route", "patients:detail")
    assert event.ip_address == PAGE_IP
    assert event.detail == {"required": "patients.view_patient"}


def test_a_radiologist_asking_for_a_participant_outside_their_campaigns_is_audited_as_denied(
    radiologist, patient
):
    response = _client(radiologist).get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 404
    event = _last_event()
    assert (event.actor_username, event.action, event.outcome) == ("radiologist", "view", "denied")
    assert (event.object_type, event.object_id) == ("patient", str(patient.pk))


def test_every_audited_page_leaves_the_chain_intact(coordinator, patient):
    client = _client(coordinator)
    client.get(reverse("patients:list"), {"q": patient.family_name})
    client.get(reverse("patients:detail", args=[patient.pk]))
    client.post(
        reverse("patients:consent_grant", args=[patient.pk]),
        {"scope": "screening", "method": "written"},
    )
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", "object_type"))
    # The consent page fetches the participant (a view) before it records the change.
    assert actions == [("search", "patient"), ("view", "patient"), ("view", "patient"), ("change", "consent")]
    assert audit_chain_verify().ok


# Failure to audit fails the action ----------------------------------------------------------


def test_no_participant_is_stored_when_the_audit_fails(coordinator_actor, audit_fails):
    with pytest.raises(DatabaseError):
        patient_create(
            actor=coordinator_actor,
            identifier="9434765919",
            issuer="NHS",
            family_name="Example",
            given_name="Ada",
            date_of_birth=date(1965, 4, 1),
            sex="F",
        )
    assert not Patient.objects.exists()


def test_no_change_is_stored_when_the_audit_fails(coordinator_actor, patient, audit_fails):
    with pytest.raises(DatabaseError):
        patient_update(actor=coordinator_actor, patient=patient, changes={"family_name": "Changed"})
    patient.refresh_from_db()
    assert patient.family_name != "Changed"


def test_no_consent_is_stored_when_the_audit_fails(coordinator_actor, patient, audit_fails):
    with pytest.raises(DatabaseError):
        consent_grant(
            actor=coordinator_actor,
            patient=patient,
            scope=ConsentScope.SCREENING,
            method=ConsentMethod.WRITTEN,
        )
    assert not ConsentEvent.objects.exists()


def test_the_episode_keeps_its_status_when_the_audit_fails(coordinator_actor, audit_fails):
    episode = EpisodeFactory()
    with pytest.raises(DatabaseError):
        episode_transition(actor=coordinator_actor, episode=episode, to_status=EpisodeStatus.DID_NOT_ATTEND)
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.INVITED
    assert not episode.status_events.exists()


def test_opting_out_is_undone_when_the_audit_fails(coordinator_actor, audit_fails):
    episode = EpisodeFactory()
    with pytest.raises(DatabaseError):
        patient_opt_out(actor=coordinator_actor, patient=episode.patient, reason="Moved abroad")
    episode.refresh_from_db()
    episode.patient.refresh_from_db()
    assert episode.patient.opted_out_at is None
    assert episode.status == EpisodeStatus.INVITED


def test_no_invitation_is_stored_when_the_audit_fails(coordinator_actor, audit_fails):
    campaign = CampaignFactory()
    PatientFactory.create_batch(2)
    with pytest.raises(DatabaseError):
        cohort_invite(actor=coordinator_actor, campaign=campaign)
    assert not Episode.objects.exists()


def test_the_patient_page_shows_nothing_when_the_audit_fails(coordinator, audit_fails):
    patient = PatientFactory(family_name="Unshowable")
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    response = client.get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 500
    assert b"Unshowable" not in response.content
    assert patient.identifier.encode() not in response.content


def test_the_patient_list_shows_nothing_when_the_audit_fails(coordinator, audit_fails):
    PatientFactory(family_name="Unlistable")
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    response = client.get(reverse("patients:list"))
    assert response.status_code == 500
    assert b"Unlistable" not in response.content
