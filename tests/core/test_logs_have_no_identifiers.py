"""Logs carry ids, never names or identifiers: a canary participant goes through every page."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from screening.patients.identifiers import nhs_number_with_check_digit
from screening.patients.models import Patient
from tests.factories import EpisodeFactory

CANARY_FAMILY = "Canarywhistle"
CANARY_GIVEN = "Zebedee"
CANARY_IDENTIFIER = nhs_number_with_check_digit("987612345")
CANARY_SPACED = f"{CANARY_IDENTIFIER[:3]} {CANARY_IDENTIFIER[3:6]} {CANARY_IDENTIFIER[6:]}"
CANARY_TOKENS = [CANARY_FAMILY, CANARY_GIVEN, CANARY_IDENTIFIER, CANARY_SPACED, "Canary Lane"]


def _texts_of(record: logging.LogRecord) -> list[str]:
    """What a handler writes for a record: the formatted message, raw message and args, traceback."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(pathname)s %(funcName)s %(message)s")
    return [formatter.format(record), str(record.msg), repr(record.args)]


def _assert_no_canary(records: list[logging.LogRecord]) -> None:
    leaks = [
        f"{record.name}: {text[:200]}"
        for record in records
        for text in _texts_of(record)
        if any(token.lower() in text.lower() for token in CANARY_TOKENS)
    ]
    assert leaks == []


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.django_db
def test_the_canary_participant_never_reaches_the_logs(
    all_logs, coordinator_client, radiologist_client, auditor_client
):
    assert CANARY_IDENTIFIER is not None
    response = coordinator_client.post(
        reverse("patients:create"),
        {
            "identifier": CANARY_SPACED,
            "issuer": "NHS",
            "family_name": CANARY_FAMILY,
            "given_name": CANARY_GIVEN,
            "date_of_birth": "1962-05-17",
            "sex": "F",
            "address": "1 Canary Lane",
            "postcode": "LS1 4AP",
        },
    )
    assert response.status_code == 302
    canary = Patient.objects.get(identifier=CANARY_IDENTIFIER)
    detail = reverse("patients:detail", args=[canary.pk])

    # Registering the same participant again is refused with a form error.
    duplicate = coordinator_client.post(
        reverse("patients:create"),
        {
            "identifier": CANARY_IDENTIFIER,
            "issuer": "NHS",
            "family_name": CANARY_FAMILY,
            "given_name": CANARY_GIVEN,
            "date_of_birth": "1962-05-17",
            "sex": "F",
        },
    )
    assert "already exists" in duplicate.content.decode()

    found = coordinator_client.get(reverse("patients:list"), {"q": CANARY_FAMILY})
    assert CANARY_IDENTIFIER in found.content.decode()
    found = coordinator_client.get(reverse("patients:list"), {"q": CANARY_IDENTIFIER[:6]})
    assert CANARY_IDENTIFIER in found.content.decode()
    assert CANARY_FAMILY.upper() in coordinator_client.get(detail).content.decode()

    edited = coordinator_client.post(
        reverse("patients:edit", args=[canary.pk]),
        {
            "family_name": CANARY_FAMILY,
            "given_name": CANARY_GIVEN,
            "date_of_birth": "1962-05-17",
            "sex": "F",
            "phone": "0113 496 0001",
            "address": "2 Canary Lane",
            "postcode": "LS1 4AP",
        },
    )
    assert edited.status_code == 302
    for action in ("consent_grant", "consent_withdraw"):
        response = coordinator_client.post(
            reverse(f"patients:{action}", args=[canary.pk]), {"scope": "screening", "method": "written"}
        )
        assert response.status_code == 302
    # A forged scope is refused.
    coordinator_client.post(
        reverse("patients:consent_grant", args=[canary.pk]), {"scope": CANARY_FAMILY, "method": "written"}
    )
    EpisodeFactory(patient=canary)
    response = coordinator_client.post(
        reverse("patients:opt_out", args=[canary.pk]), {"reason": f"{CANARY_GIVEN} moved away"}
    )
    assert response.status_code == 302
    assert canary.consent_events.count() == 2

    # Refusals: outside the radiologist's campaigns, and not an auditor's page at all.
    assert radiologist_client.get(detail).status_code == 404
    refused = radiologist_client.get(reverse("patients:list"), {"q": CANARY_FAMILY})
    assert CANARY_IDENTIFIER not in refused.content.decode()
    assert auditor_client.get(reverse("patients:list"), {"q": CANARY_FAMILY}).status_code == 403
    assert auditor_client.get(detail).status_code == 403

    # A failed log-in with the canary's name or identifier as the username.
    for username in (CANARY_FAMILY, CANARY_IDENTIFIER):
        response = Client().post(reverse("login"), {"username": username, "password": CANARY_GIVEN})
        assert response.status_code == 200

    assert all_logs.records, "the flow logged nothing at all: is logging captured?"
    _assert_no_canary(all_logs.records)


@pytest.mark.django_db
def test_a_locked_out_canary_username_never_reaches_the_logs(all_logs, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        Client().post(reverse("login"), {"username": CANARY_FAMILY, "password": "wrong"})
    assert any("Locking out" in record.getMessage() for record in all_logs.records)
    _assert_no_canary(all_logs.records)
