"""Passwords, lock-out, idle timeout, audited log-in, and production settings that refuse to be unsafe."""

import os
import secrets
import string
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from screening.config.settings import base
from screening.core.models import AuditAction, AuditEvent, AuditOutcome
from screening.core.session_idle import RENEWED_AT
from tests.factories import PASSWORD

BASE_DIR = settings.BASE_DIR


# Passwords ----------------------------------------------------------------------------------


def test_argon2_is_the_first_password_hasher():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_is_installed_and_hashes():
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("a long passphrase", hasher.salt())
    assert encoded.startswith("argon2$")
    assert hasher.verify("a long passphrase", encoded)


# Lock-out -----------------------------------------------------------------------------------


def _log_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_correct_password_logs_in_and_is_audited(coordinator):
    client = Client(REMOTE_ADDR="198.51.100.4")
    response = _log_in(client, "coordinator", PASSWORD)
    assert response.status_code == 302
    assert _is_logged_in(client)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (event.actor_username, event.role, event.object_type) == ("coordinator", "coordinator", "session")
    assert (event.ip_address, event.outcome) == ("198.51.100.4", AuditOutcome.SUCCESS)


@pytest.mark.django_db
def test_logging_out_is_audited(coordinator):
    client = Client()
    _log_in(client, "coordinator", PASSWORD)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not _is_logged_in(client)
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.actor_username, event.role) == (
        AuditAction.LOGOUT,
        "coordinator",
        "coordinator",
    )


@pytest.mark.django_db
def test_a_failed_log_in_is_audited_without_the_typed_username(coordinator):
    client = Client(REMOTE_ADDR="198.51.100.5")
    response = _log_in(client, "coordinator", "not-the-password")
    assert response.status_code == 200
    assert not _is_logged_in(client)
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome) == (AuditAction.LOGIN_FAILED, AuditOutcome.FAILED)
    assert event.ip_address == "198.51.100.5"
    assert event.actor_user_id is None
    assert "coordinator" not in event.actor_username and "coordinator" not in str(event.detail)


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_against_the_correct_password(coordinator):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, "coordinator", "wrong").status_code == 200
    locked = _log_in(client, "coordinator", "wrong")
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    response = _log_in(client, "coordinator", PASSWORD)
    assert response.status_code == 429
    assert not _is_logged_in(client)


@pytest.mark.django_db
def test_failures_below_the_limit_do_not_lock(coordinator):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _log_in(client, "coordinator", "wrong")
    assert _log_in(client, "coordinator", PASSWORD).status_code == 302
    assert _is_logged_in(client)


@pytest.mark.django_db
def test_a_locked_account_does_not_lock_other_accounts(coordinator, radiologist):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "coordinator", "wrong")
    assert _log_in(Client(), "radiologist", PASSWORD).status_code == 302


def test_the_lock_out_limit_and_cool_off_are_set():
    assert base.AXES_FAILURE_LIMIT == 5
    assert base.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert base.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


# Idle timeout -------------------------------------------------------------------------------


def test_the_session_expires_after_idle_minutes_renewed_at_most_once_a_minute():
    assert base.SESSION_COOKIE_AGE == 30 * 60
    assert base.SESSION_REFRESH_SECONDS == 60
    assert base.SESSION_SAVE_EVERY_REQUEST is False  # screening.core.session_idle renews it instead
    assert base.SESSION_COOKIE_HTTPONLY is True


def _session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _renewed_long_ago(client: Client) -> None:
    """As if the last renewal was longer ago than the refresh interval."""
    session = client.session
    session[RENEWED_AT] = time.time() - settings.SESSION_REFRESH_SECONDS - 1
    session.save()


@pytest.mark.django_db
def test_a_request_renews_the_idle_timeout(coordinator_client):
    coordinator_client.get(reverse("home"))
    _renewed_long_ago(coordinator_client)
    Session.objects.filter(pk=_session_row(coordinator_client).pk).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    assert coordinator_client.get(reverse("home")).status_code == 200
    remaining = _session_row(coordinator_client).expire_date - timezone.now()
    assert remaining > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


@pytest.mark.django_db
def test_a_request_soon_after_a_renewal_does_not_write_the_session(coordinator_client):
    coordinator_client.get(reverse("home"))
    expires = timezone.now() + timedelta(minutes=20)
    Session.objects.filter(pk=_session_row(coordinator_client).pk).update(expire_date=expires)
    with CaptureQueriesContext(connection) as queries:
        assert coordinator_client.get(reverse("home")).status_code == 200
    assert _session_row(coordinator_client).expire_date == expires
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "django_session"')]


@pytest.mark.django_db
def test_an_idle_session_is_sent_to_log_in(coordinator_client):
    coordinator_client.get(reverse("home"))
    Session.objects.filter(pk=_session_row(coordinator_client).pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = coordinator_client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


# Production settings ------------------------------------------------------------------------


def _random_key() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(60))


GOOD_ENV = {
    "DJANGO_SECRET_KEY": _random_key(),
    "AUDIT_CHAIN_KEY": _random_key(),
    "AUDIT_CHECKPOINT_PATH": "/srv/audit/checkpoints.log",
    "DJANGO_ALLOWED_HOSTS": "screening.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/whatever",
}


def _manage(*args: str, **env_changes: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "AUDIT_"))}
    env.update(GOOD_ENV, DJANGO_SETTINGS_MODULE="screening.config.settings.production")
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_passes_the_deployment_checks_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr.upper()


def test_production_accepts_named_origins_an_intranet_host_and_subdomains_of_a_domain():
    origins = "https://screening.example.org,https://*.trust.example.org,https://screening"
    result = _manage("check", DJANGO_CSRF_TRUSTED_ORIGINS=origins)
    assert result.returncode == 0, result.stderr


def test_production_keeps_argon2_and_the_secure_cookies():
    code = (
        "from django.conf import settings as s; "
        "print(s.PASSWORD_HASHERS[0], s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.ALLOWED_HOSTS)"
    )
    result = _manage("shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "False",
        "True",
        "True",
        "['screening.example.org']",
    ]


@pytest.mark.parametrize(
    ("env_changes", "message"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY must be set in production"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be a random value"),
        (
            {"DJANGO_SECRET_KEY": "embedded-development-key-never-use-in-production-0123456789"},
            "DJANGO_SECRET_KEY must be a random value",
        ),
        ({"DJANGO_SECRET_KEY": "changeme" * 8}, "DJANGO_SECRET_KEY must be a random value"),
        ({"DJANGO_SECRET_KEY": "a" * 64}, "DJANGO_SECRET_KEY must be a random value"),
        (
            {"DJANGO_SECRET_KEY": "this-is-the-secret-key-of-our-screening-service-ok"},
            "DJANGO_SECRET_KEY must be a random value",
        ),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + GOOD_ENV["DJANGO_SECRET_KEY"]}, "must be a random value"),
        ({"AUDIT_CHAIN_KEY": None}, "AUDIT_CHAIN_KEY must be set in production"),
        ({"AUDIT_CHAIN_KEY": "changeme"}, "AUDIT_CHAIN_KEY must be a random value"),
        ({"AUDIT_CHAIN_KEY": GOOD_ENV["DJANGO_SECRET_KEY"]}, "AUDIT_CHAIN_KEY must differ"),
        ({"AUDIT_CHECKPOINT_PATH": None}, "AUDIT_CHECKPOINT_PATH must be set in production"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS must be set in production"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS must name the site's hosts"),
        ({"DJANGO_ALLOWED_HOSTS": "screening.example.org,*"}, "must name the site's hosts"),
        ({"DJANGO_ALLOWED_HOSTS": " , "}, "DJANGO_ALLOWED_HOSTS must name the site's hosts"),
        ({"DJANGO_CSRF_TRUSTED_ORIGINS": "https://*"}, "DJANGO_CSRF_TRUSTED_ORIGINS must name"),
        ({"DJANGO_CSRF_TRUSTED_ORIGINS": "https://a.org,https://*.org"}, "CSRF_TRUSTED_ORIGINS must name"),
        ({"DATABASE_URL": None}, "DATABASE_URL must be set in production"),
        ({"DATABASE_URL": "sqlite:////tmp/screening.sqlite3"}, "Production needs PostgreSQL"),
    ],
    ids=[
        "no-secret",
        "short-secret",
        "embedded-secret",
        "changeme-secret",
        "one-letter-secret",
        "phrase-secret",
        "django-insecure-secret",
        "no-audit-key",
        "weak-audit-key",
        "audit-key-is-the-secret-key",
        "no-checkpoint-path",
        "no-hosts",
        "any-host",
        "any-host-in-a-list",
        "blank-hosts",
        "any-csrf-origin",
        "any-csrf-subdomain-of-a-top-level-domain",
        "no-db",
        "sqlite",
    ],
)
def test_production_refuses_to_start_when_unsafe(env_changes, message):
    result = _manage("check", **env_changes)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
