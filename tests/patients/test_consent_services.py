import pytest
from django.core.exceptions import ValidationError

from screening.core.models import AuditEvent
from screening.patients.consent_services import consent_allows, consent_grant, consent_withdraw
from screening.patients.models import ConsentEvent, ConsentMethod, ConsentScope


@pytest.mark.django_db
def test_withdrawn_ai_consent_no_longer_allows_ai_reading(patient, coordinator_actor):
    consent_grant(
        actor=coordinator_actor, patient=patient, scope=ConsentScope.AI_READING, method=ConsentMethod.WRITTEN
    )
    assert consent_allows(patient=patient, scope=ConsentScope.AI_READING)
    consent_withdraw(
        actor=coordinator_actor, patient=patient, scope=ConsentScope.AI_READING, method=ConsentMethod.VERBAL
    )
    assert not consent_allows(patient=patient, scope=ConsentScope.AI_READING)
    assert ConsentEvent.objects.filter(patient=patient).count() == 2
    assert AuditEvent.objects.filter(object_type="consent").count() == 2


@pytest.mark.django_db
def test_withdrawing_twice_is_a_clear_error(patient, coordinator_actor):
    consent_grant(
        actor=coordinator_actor, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.WRITTEN
    )
    consent_withdraw(
        actor=coordinator_actor, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.WRITTEN
    )
    with pytest.raises(ValidationError, match="nothing to withdraw"):
        consent_withdraw(
            actor=coordinator_actor,
            patient=patient,
            scope=ConsentScope.RESEARCH,
            method=ConsentMethod.WRITTEN,
        )
    assert ConsentEvent.objects.filter(patient=patient).count() == 2
