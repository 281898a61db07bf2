"""API tokens expire, idle out, end with the person's log-out, and can be revoked."""

import base64
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from screening.core.actors import Actor
from screening.core.models import ApiToken, ApiTokenEnd, AuditAction, AuditEvent
from screening.core.user_services import user_active_set, user_password_reset
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
PATIENTS = "/api/v1/patients/"


def _issued(user) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def _status(token: str, at=None) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    if at is None:
        return client.get(PATIENTS).status_code
    with mock.patch("django.utils.timezone.now", return_value=at):
        return client.get(PATIENTS).status_code


def test_a_token_stops_working_when_its_lifetime_is_over(coordinator):
    token = _issued(coordinator)
    lifetime = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    # Used every few minutes, so never idle: only the lifetime ends it.
    step = timedelta(minutes=settings.API_TOKEN_IDLE_MINUTES // 2)
    moments = [timezone.now() + step * n for n in range(1, int(lifetime / step) + 3)]
    statuses = [_status(token, at) for at in moments]
    assert statuses[0] == 200
    assert statuses[-1] == 401
    first_refused = moments[statuses.index(401)]
    assert first_refused - timezone.now() >= lifetime - step


def test_an_idle_token_stops_working(coordinator):
    token = _issued(coordinator)
    idle = timedelta(minutes=settings.API_TOKEN_IDLE_MINUTES)
    assert _status(token, timezone.now() + idle - timedelta(minutes=2)) == 200
    assert _status(token, timezone.now() + idle * 2) == 401


def test_logging_out_of_the_browser_ends_the_persons_tokens(coordinator):
    token = _issued(coordinator)
    assert _status(token) == 200
    browser = Client()
    browser.post(reverse("login"), {"username": coordinator.username, "password": PASSWORD})
    browser.post(reverse("logout"))
    assert _status(token) == 401


def test_a_script_revokes_its_own_token(coordinator):
    token = _issued(coordinator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert _status(token) == 401


def test_only_a_digest_of_the_key_is_stored(coordinator):
    token = _issued(coordinator)
    stored = ApiToken.objects.get(user=coordinator)
    assert token not in str(list(ApiToken.objects.values()))
    assert token.startswith(stored.prefix) and len(token) >= 40


def test_the_token_endpoint_answers_the_expiry(coordinator):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": coordinator.username, "password": PASSWORD}, format="json"
    )
    expires = datetime.fromisoformat(response.json()["expires_at"].replace("Z", "+00:00"))
    assert expires - timezone.now() <= timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def test_a_stale_token_does_not_stop_a_script_asking_for_a_new_one(coordinator):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token an-old-revoked-token")
    response = client.post(
        "/api/v1/auth/token/", {"username": coordinator.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


def test_repeated_wrong_passwords_at_the_token_endpoint_lock_out(coordinator):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": coordinator.username, "password": "x"}, format="json")
    response = client.post(
        "/api/v1/auth/token/", {"username": coordinator.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400  # refused as a wrong password is: nothing tells it apart
    assert not ApiToken.objects.exists()


def test_a_password_reset_or_a_deactivation_ends_the_tokens(coordinator, radiologist, admin_user):
    admin = Actor.for_user(admin_user)
    tokens = [_issued(coordinator), _issued(radiologist)]
    user_password_reset(actor=admin, user=coordinator, password="a new long passphrase 42")
    user_active_set(actor=admin, user=radiologist, active=False)
    assert [_status(token) for token in tokens] == [401, 401]
    assert set(ApiToken.objects.values_list("end_reason", flat=True)) == {
        ApiTokenEnd.PASSWORD_RESET,
        ApiTokenEnd.DEACTIVATED,
    }


def test_issuing_and_ending_a_token_are_audited_without_the_key(coordinator):
    token = _issued(coordinator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    client.delete("/api/v1/auth/token/")
    events = AuditEvent.objects.filter(object_type="api_token").order_by("sequence")
    assert [(e.action, e.actor_username) for e in events] == [
        (AuditAction.CREATE, "coordinator"),
        (AuditAction.CHANGE, "coordinator"),
    ]
    assert events[1].detail["ended"] == ApiTokenEnd.REVOKED
    assert not any(token[:8] in str(e.detail) for e in events)


# The tokens page ----------------------------------------------------------------------------


def test_a_person_sees_and_revokes_their_own_tokens(coordinator, coordinator_client, radiologist):
    mine, theirs = _issued(coordinator), _issued(radiologist)
    page = coordinator_client.get(reverse("core:api_tokens")).content.decode()
    assert mine[:8] in page and theirs[:8] not in page
    own = ApiToken.objects.get(user=coordinator)
    response = coordinator_client.post(reverse("core:api_token_revoke", args=[own.pk]))
    assert response.status_code == 302
    assert _status(mine) == 401 and _status(theirs) == 200
    assert "Revoked" in coordinator_client.get(reverse("core:api_tokens")).content.decode()


def test_a_person_cannot_revoke_someone_elses_token(coordinator_client, radiologist):
    theirs = _issued(radiologist)
    token = ApiToken.objects.get(user=radiologist)
    assert coordinator_client.post(reverse("core:api_token_revoke", args=[token.pk])).status_code == 404
    assert _status(theirs) == 200


def test_an_admin_sees_and_revokes_every_token_audited(admin_client_, coordinator, radiologist):
    tokens = [_issued(coordinator), _issued(radiologist)]
    page = admin_client_.get(reverse("core:api_tokens")).content.decode()
    assert all(token[:8] in page for token in tokens)
    assert AuditEvent.objects.filter(object_type="api_token", action=AuditAction.LIST).exists()
    theirs = ApiToken.objects.get(user=radiologist)
    admin_client_.post(reverse("core:api_token_revoke", args=[theirs.pk]))
    assert _status(tokens[1]) == 401
    event = AuditEvent.objects.filter(object_type="api_token", action=AuditAction.CHANGE).get()
    assert (event.actor_username, event.object_id) == ("admin", str(theirs.pk))
    assert ApiToken.objects.get(pk=theirs.pk).revoked_by.username == "admin"


def test_dicomweb_basic_authentication_keeps_its_lock_out(coordinator):
    def basic(password: str) -> int:
        credentials = base64.b64encode(f"{coordinator.username}:{password}".encode()).decode()
        return Client().get("/dicomweb/studies", HTTP_AUTHORIZATION=f"Basic {credentials}").status_code

    assert basic(PASSWORD) == 200
    assert [basic("wrong") for _ in range(settings.AXES_FAILURE_LIMIT)] == [401] * settings.AXES_FAILURE_LIMIT
    assert basic(PASSWORD) == 401  # locked: the right password is refused too


def test_a_token_request_creates_no_session(coordinator):
    # A script sends no cookie: renewing a session it does not have wrote a new session row (and a
    # commit) per request and set a cookie nobody keeps.
    from django.contrib.sessions.models import Session

    token = _issued(coordinator)
    sessions = Session.objects.count()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(PATIENTS)
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == sessions
