"""Registering, changing, opting out and finding participants."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from screening.campaigns.models import EpisodeStatus
from screening.core.actors import Actor
from screening.core.models import AuditEvent
from screening.patients.identifiers import (
    nhs_number_is_valid,
    nhs_number_with_check_digit,
    validate_identifier,
    validate_issuer,
)
from screening.patients.models import Patient
from screening.patients.patient_selectors import patient_search
from screening.patients.patient_services import patient_create, patient_opt_out, patient_update
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory

VALID_NHS = "9434765919"


def _register(actor: Actor, **overrides) -> Patient:
    fields = {
        "identifier": VALID_NHS,
        "issuer": "NHS",
        "family_name": "Example",
        "given_name": "Ada",
        "date_of_birth": date(1965, 4, 1),
        "sex": "F",
    }
    return patient_create(actor=actor, **{**fields, **overrides})


# Identifiers --------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["9434765919", "4010232137", nhs_number_with_check_digit("450557710")])
def test_an_nhs_number_with_the_right_check_digit_is_valid(number):
    assert nhs_number_is_valid(number)
    validate_identifier(number, "NHS")


@pytest.mark.parametrize(
    "number",
    ["9434765918", "943476591", "94347659190", "943476591A", "", "943 476 5919"],
    ids=["wrong-check-digit", "nine-digits", "eleven-digits", "letter", "empty", "unnormalised"],
)
def test_an_nhs_number_with_a_wrong_check_digit_or_shape_is_refused(number):
    assert not nhs_number_is_valid(number)
    with pytest.raises(ValidationError, match="Not a valid NHS number"):
        validate_identifier(number, "NHS")


def test_nine_digits_whose_check_digit_would_be_ten_make_no_nhs_number():
    # A weighted sum with remainder 1 would need a check digit of 10, which does not exist.
    first_nine = next(
        f"{n:09d}" for n in range(100_000_000, 100_001_000) if nhs_number_with_check_digit(f"{n:09d}") is None
    )
    assert nhs_number_with_check_digit(first_nine) is None
    assert not any(nhs_number_is_valid(f"{first_nine}{d}") for d in range(10))


@pytest.mark.parametrize("identifier", ["MRN123", "A-123/45:6", "x.y_z", "1", "A" * 64, "ab cd"])
def test_a_generic_issuer_accepts_dicom_patient_ids(identifier):
    validate_identifier(identifier, "LEEDS-TH")


@pytest.mark.parametrize(
    "identifier",
    ["", "-123", " 123", "A\\B", "A" * 65, "tab\tin", "é123", "semi;colon"],
    ids=["empty", "leading-dash", "leading-space", "backslash", "too-long", "control", "accent", "semicolon"],
)
def test_a_generic_issuer_refuses_what_dicom_cannot_carry(identifier):
    with pytest.raises(ValidationError, match="Identifier must be"):
        validate_identifier(identifier, "LEEDS-TH")


@pytest.mark.parametrize("issuer", ["", "-NHS", "A/B", "A" * 65, "A\\B"])
def test_a_malformed_issuer_is_refused(issuer):
    with pytest.raises(ValidationError, match="Issuer must be"):
        validate_issuer(issuer)


# Registering --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_registering_normalises_and_stores_the_participant(coordinator_actor):
    patient = _register(
        coordinator_actor, identifier=" 943-476 5919 ", family_name=" Example ", postcode=" ls1 4ap "
    )
    patient.refresh_from_db()
    assert (patient.identifier, patient.family_name, patient.postcode) == (VALID_NHS, "Example", "LS1 4AP")


@pytest.mark.django_db
def test_an_invalid_nhs_number_stores_nothing(coordinator_actor):
    with pytest.raises(ValidationError) as error:
        _register(coordinator_actor, identifier="9434765918")
    assert "identifier" in error.value.message_dict
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_identifier_is_a_clear_error_and_stores_nothing(coordinator_actor):
    _register(coordinator_actor)
    with pytest.raises(ValidationError) as error:
        _register(coordinator_actor, identifier="943 476 5919", family_name="Other")
    assert error.value.message_dict == {"identifier": ["A participant with this identifier already exists."]}
    assert Patient.objects.count() == 1
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_same_identifier_under_another_issuer_is_another_participant(coordinator_actor):
    _register(coordinator_actor)
    _register(coordinator_actor, issuer="LEEDS-TH")
    assert Patient.objects.filter(identifier=VALID_NHS).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        # Tomorrow as of the test's run, not of its collection (a run across midnight made it today).
        (lambda: {"date_of_birth": timezone.localdate() + timedelta(days=1)}, "date_of_birth"),
        (lambda: {"date_of_birth": date(1899, 12, 31)}, "date_of_birth"),
        (lambda: {"sex": "X"}, "sex"),
        (lambda: {"family_name": "  "}, "family_name"),
        (lambda: {"issuer": "A/B"}, "issuer"),
    ],
)
def test_invalid_details_are_refused_per_field(coordinator_actor, overrides, field):
    with pytest.raises(ValidationError) as error:
        _register(coordinator_actor, **overrides())
    assert field in error.value.message_dict
    assert not Patient.objects.exists()


# Changing -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_change_is_audited_by_field_name_never_by_value(coordinator_actor, patient):
    patient_update(
        actor=coordinator_actor,
        patient=patient,
        changes={"family_name": "Newname", "phone": "0113 496 0000", "sex": patient.sex},
    )
    patient.refresh_from_db()
    assert (patient.family_name, patient.phone) == ("Newname", "0113 496 0000")
    event = AuditEvent.objects.get()
    assert event.detail == {"fields": ["family_name", "phone"]}
    assert "Newname" not in str(event.__dict__) and "0113" not in str(event.__dict__)


@pytest.mark.django_db
def test_saving_unchanged_details_audits_nothing(coordinator_actor, patient):
    patient_update(actor=coordinator_actor, patient=patient, changes={"family_name": patient.family_name})
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_changed_postcode_is_stored_like_a_registered_one(coordinator_actor, patient):
    patient_update(actor=coordinator_actor, patient=patient, changes={"postcode": " ls2 9jt "})
    patient.refresh_from_db()
    assert patient.postcode == "LS2 9JT"
    patient_update(actor=coordinator_actor, patient=patient, changes={"postcode": "ls2 9jt"})
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_identifier_cannot_be_changed(coordinator_actor, patient):
    with pytest.raises(ValidationError, match="cannot be changed: identifier"):
        patient_update(actor=coordinator_actor, patient=patient, changes={"identifier": VALID_NHS})
    assert Patient.objects.get(pk=patient.pk).identifier == patient.identifier


@pytest.mark.django_db
def test_an_invalid_change_stores_nothing(coordinator_actor, patient):
    with pytest.raises(ValidationError):
        patient_update(
            actor=coordinator_actor,
            patient=patient,
            changes={"phone": "0113", "date_of_birth": timezone.localdate() + timedelta(days=3)},
        )
    patient.refresh_from_db()
    assert patient.phone == ""
    assert not AuditEvent.objects.exists()


# Opting out ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_opting_out_moves_open_episodes_to_opted_out_and_keeps_their_history(coordinator_actor, patient):
    invited = EpisodeFactory(patient=patient, status=EpisodeStatus.INVITED)
    attended = EpisodeFactory(patient=patient, status=EpisodeStatus.ATTENDED)
    imaged = EpisodeFactory(patient=patient, status=EpisodeStatus.IMAGED)
    patient_opt_out(actor=coordinator_actor, patient=patient, reason="  Moved abroad  ")

    patient.refresh_from_db()
    assert patient.is_opted_out and patient.opted_out_reason == "Moved abroad"
    for episode, before in ((invited, "invited"), (attended, "attended")):
        episode.refresh_from_db()
        assert episode.status == EpisodeStatus.OPTED_OUT
        step = episode.status_events.get()
        assert (step.from_status, step.to_status, step.actor) == (before, "opted_out", coordinator_actor.user)
    imaged.refresh_from_db()
    assert imaged.status == EpisodeStatus.IMAGED
    assert not imaged.status_events.exists()


@pytest.mark.django_db
def test_opting_out_twice_is_a_clear_error(coordinator_actor, patient):
    patient_opt_out(actor=coordinator_actor, patient=patient, reason="Moved abroad")
    with pytest.raises(ValidationError, match="already opted out"):
        patient_opt_out(actor=coordinator_actor, patient=patient, reason="Again")
    assert AuditEvent.objects.filter(object_type="patient").count() == 1


# Finding ------------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    return {
        "ada": PatientFactory(
            identifier=VALID_NHS, family_name="Lovelace", given_name="Ada", date_of_birth=date(1960, 12, 10)
        ),
        "grace": PatientFactory(family_name="Hopper", given_name="Grace", date_of_birth=date(1962, 12, 9)),
        "mrn": PatientFactory(
            identifier="MRN-77/1", issuer="LEEDS-TH", family_name="Lovell", given_name="Mary"
        ),
    }


def _found(actor: Actor, **terms) -> set[str]:
    return {p.given_name for p in patient_search(actor=actor, **terms)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("9434765919", {"Ada"}),
        ("943476", {"Ada"}),
        ("943 476 5919", {"Ada"}),
        ("943-476", {"Ada"}),
        ("MRN-77", {"Mary"}),
        ("mrn-77/1", {"Mary"}),
        ("Lovel", {"Ada", "Mary"}),
        ("lovelace", {"Ada"}),
        ("Grace", {"Grace"}),
        ("Ada Lovelace", {"Ada"}),
        ("Ada Hopper", set()),
        ("", {"Ada", "Grace", "Mary"}),
    ],
)
def test_search_by_identifier_prefix_or_name(people, coordinator_actor, query, expected):
    assert _found(coordinator_actor, query=query) == expected


def test_search_by_date_of_birth(people, coordinator_actor):
    assert _found(coordinator_actor, date_of_birth=date(1962, 12, 9)) == {"Grace"}
    assert _found(coordinator_actor, query="Lov", date_of_birth=date(1960, 12, 10)) == {"Ada"}
    assert _found(coordinator_actor, query="943", date_of_birth=date(1962, 12, 9)) == set()


def test_a_radiologist_finds_only_participants_of_their_campaigns(people, radiologist):
    campaign = CampaignFactory()
    campaign.assigned_staff.add(radiologist)
    EpisodeFactory(patient=people["grace"], campaign=campaign)
    EpisodeFactory(patient=people["ada"])  # another campaign
    actor = Actor.for_user(radiologist)
    assert _found(actor) == {"Grace"}
    assert _found(actor, query="Lovelace") == set()


def test_an_auditor_finds_no_participant(people, auditor):
    assert _found(Actor.for_user(auditor)) == set()


def test_issuer_typed_in_lower_case_is_the_nhs_and_gets_its_checks(coordinator_actor):
    with pytest.raises(ValidationError, match="NHS number"):
        patient_create(
            actor=coordinator_actor,
            identifier="1234567890",
            issuer="nhs",
            family_name="Doe",
            given_name="Jo",
            date_of_birth=date(1960, 1, 1),
            sex="F",
        )


def test_search_finds_a_later_word_of_a_family_name(db):
    patient = PatientFactory(family_name="Van Der Berg")
    PatientFactory(family_name="Berger")
    assert list(Patient.objects.search(query="Van Der Berg")) == [patient]
    assert list(Patient.objects.search(query="der")) == [patient]
