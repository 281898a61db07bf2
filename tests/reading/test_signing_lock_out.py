"""The password that signs a read is guarded like the log-in: repeated wrong passwords lock out."""

import logging

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from screening.core.actors import Actor
from screening.core.models import AuditEvent, AuditOutcome
from screening.core.user_services import user_unlock
from screening.reading.models import ReadOpinion
from screening.reading.signoff_services import read_amend, read_sign
from screening.reading.slot_services import read_slot_claim
from tests.factories import PASSWORD
from tests.reading.conftest import breast_opinion, imaged_study, reader, sign_read, slot_of

pytestmark = pytest.mark.django_db(transaction=True)


def _refusals(username: str) -> list[str]:
    events = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED, actor_username=username)
    return [event.detail["refusal"] for event in events.order_by("sequence")]


def _wrong_signatures(actor: Actor, slot, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ValidationError):
            read_sign(actor=actor, slot=slot, password="a guess", opinion=breast_opinion())


@pytest.fixture
def open_read(breast_campaign):
    rad = reader("signer", breast_campaign)
    slot = read_slot_claim(actor=rad, slot=slot_of(imaged_study(breast_campaign)))
    return rad, slot


def test_repeated_wrong_passwords_lock_signing_even_with_the_right_one(open_read):
    rad, slot = open_read
    _wrong_signatures(rad, slot, settings.AXES_FAILURE_LIMIT)
    with pytest.raises(ValidationError, match="locked"):
        read_sign(actor=rad, slot=slot, password=PASSWORD, opinion=breast_opinion())
    assert not ReadOpinion.objects.exists()
    assert _refusals("signer") == ["password"] * settings.AXES_FAILURE_LIMIT + ["locked_out"]


def test_failures_below_the_limit_still_let_the_reader_sign(open_read):
    rad, slot = open_read
    _wrong_signatures(rad, slot, settings.AXES_FAILURE_LIMIT - 1)
    read_sign(actor=rad, slot=slot, password=PASSWORD, opinion=breast_opinion())
    assert ReadOpinion.objects.count() == 1


def test_a_lock_out_at_signing_also_locks_the_log_in_from_that_address(open_read):
    rad, slot = open_read
    _wrong_signatures(rad, slot, settings.AXES_FAILURE_LIMIT)
    client = Client(REMOTE_ADDR=rad.ip_address)
    response = client.post(reverse("login"), {"username": "signer", "password": PASSWORD})
    assert response.status_code == 429


def test_wrong_passwords_at_log_in_and_at_signing_count_together(open_read):
    rad, slot = open_read
    client = Client(REMOTE_ADDR=rad.ip_address)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "signer", "password": "wrong"})
    _wrong_signatures(rad, slot, 1)
    with pytest.raises(ValidationError, match="locked"):
        read_sign(actor=rad, slot=slot, password=PASSWORD, opinion=breast_opinion())


def test_an_admin_unlock_lets_the_reader_sign_again(open_read, admin_user):
    rad, slot = open_read
    _wrong_signatures(rad, slot, settings.AXES_FAILURE_LIMIT)
    user_unlock(actor=Actor.for_user(admin_user), user=rad.user)
    read_sign(actor=rad, slot=slot, password=PASSWORD, opinion=breast_opinion())
    assert ReadOpinion.objects.count() == 1


def test_wrong_passwords_at_amending_lock_out_too(breast_campaign):
    rad = reader("amender", breast_campaign)
    slot = slot_of(imaged_study(breast_campaign))
    sign_read(rad, slot)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            read_amend(actor=rad, slot=slot, password="guess", opinion=breast_opinion(right="4"), reason="x")
    with pytest.raises(ValidationError, match="locked"):
        read_amend(actor=rad, slot=slot, password=PASSWORD, opinion=breast_opinion(right="4"), reason="x")
    assert _refusals("amender")[-1] == "locked_out"
    assert ReadOpinion.objects.count() == 1


def test_the_lock_out_logs_name_nobody(open_read, caplog):
    rad, slot = open_read
    with caplog.at_level(logging.DEBUG):
        _wrong_signatures(rad, slot, settings.AXES_FAILURE_LIMIT + 1)
    assert "signer" not in caplog.text
    assert rad.ip_address not in caplog.text
