"""`manage.py seed_demo`: users per role, participants with mixed consent, an open campaign each."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from screening.campaigns.models import Campaign, CampaignStatus, Episode, EpisodeStatusEvent
from screening.core.audit_selectors import audit_chain_verify
from screening.core.models import AuditEvent
from screening.core.roles import Role, user_role
from screening.demo.demo_cohort import demo_password
from screening.patients.models import ConsentAction, ConsentEvent, ConsentScope, Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(capsys):
    call_command("seed_demo", "--patients", "40")
    return capsys.readouterr().out


def _counts() -> dict[str, int]:
    models = [get_user_model(), Patient, ConsentEvent, Campaign, Episode, EpisodeStatusEvent, AuditEvent]
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_creates_a_user_per_role_who_can_log_in(seeded, client):
    expected = {
        "coordinator": Role.COORDINATOR,
        "radiologist": Role.RADIOLOGIST,
        "radiologist2": Role.RADIOLOGIST,
        "radiologist3": Role.RADIOLOGIST,
        "auditor": Role.AUDITOR,
        "admin": Role.ADMIN,
    }
    users = {u.username: u for u in get_user_model().objects.all()}
    assert {name: user_role(user) for name, user in users.items()} == expected
    assert users["admin"].is_staff and not users["coordinator"].is_staff
    assert not any(user.is_superuser for user in users.values())
    assert "coordinator" in seeded and demo_password("coordinator") in seeded
    response = client.post(
        reverse("login"), {"username": "radiologist", "password": demo_password("radiologist")}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_demo_opens_a_campaign_per_programme_with_invitations(seeded):
    campaigns = Campaign.objects.select_related("programme")
    assert {c.programme.code for c in campaigns} == {"breast", "lung"}
    assert all(c.status == CampaignStatus.OPEN for c in campaigns)
    assert Patient.objects.count() == 40
    for campaign in campaigns:
        assert campaign.episodes.exists()
        assert campaign.assigned_staff.filter(username="radiologist").exists()
    breast = campaigns.get(programme__code="breast")
    assert breast.assigned_staff.filter(username="radiologist2").exists()
    assert not campaigns.get(programme__code="lung").assigned_staff.filter(username="radiologist2").exists()
    statuses = set(Episode.objects.values_list("status", flat=True))
    assert {"invited", "attended"} <= statuses


def test_the_demo_records_mixed_consent(seeded):
    actions = set(ConsentEvent.objects.values_list("scope", "action"))
    assert (ConsentScope.SCREENING, ConsentAction.GRANTED) in actions
    assert (ConsentScope.RESEARCH, ConsentAction.GRANTED) in actions
    with_screening = ConsentEvent.objects.filter(scope=ConsentScope.SCREENING).values("patient").distinct()
    assert 0 < with_screening.count() < 40  # some participants have given none yet


def test_the_demo_is_audited_and_the_chain_verifies(seeded):
    assert AuditEvent.objects.filter(actor_username="system:seed_demo", object_type="patient").count() == 40
    report = audit_chain_verify()
    assert report.ok, str(report)
    assert report.events_checked == AuditEvent.objects.count()


def test_seeding_twice_creates_nothing_new(seeded, capsys):
    before = _counts()
    call_command("seed_demo", "--patients", "40")
    assert "Demo data already present" in capsys.readouterr().out
    assert _counts() == before
    assert audit_chain_verify().ok
