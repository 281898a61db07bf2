"""The published OpenAPI schema is true: schemathesis fuzzes every operation as each role.

A bounded, deterministic run (a few examples per operation, derandomized) with two checks: no
answer is a server error, and every answer conforms to the schema (status code, body, headers).
Without credentials, every operation that asks for them answers 401 or 403 and nothing else.
"""

import json
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.factories import PASSWORD, CampaignFactory, PatientFactory, programme
from tests.reading.conftest import imaged_study, reader

EXAMPLES_PER_OPERATION = 10
REPORT_CHARS = 1500
TOKEN_REVOKE = "DELETE /api/v1/auth/token/"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
REFUSED_WITHOUT_CREDENTIALS = {401, 403}


@schemathesis.check
def refused_without_credentials(ctx, response, case) -> None:
    """An anonymous request is refused (401/403) where credentials are asked for, and never given data."""
    if _open_to_anyone(case.operation):  # a made-up password is refused: no token for a guess
        assert 400 <= response.status_code < 500, (
            f"{case.operation.label} answered {response.status_code} without credentials"
        )
        return
    if response.status_code == 404 and not _routed(case.formatted_path):
        return  # a path no route matches (a negative id for `<int:pk>`) reaches no view
    assert response.status_code in REFUSED_WITHOUT_CREDENTIALS, (
        f"{case.operation.label} answered {response.status_code} without credentials: {response.text[:200]}"
    )


def _routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _open_to_anyone(operation) -> bool:
    """The operation asks for no credentials (obtaining a token with a password)."""
    return operation.definition.raw.get("security", []) in ([], [{}])


@pytest.fixture(scope="session")
def api_schema():
    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = get_wsgi_application()
    return loaded


def _token(user) -> str:
    """A token as a client gets one: from /auth/token/ with the user's password."""
    response = Client().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["token"]


@contextmanager
def _connection_kept():
    """Keep the test's database connection across the WSGI app's requests, as Django's test client
    does (and undoes after each of its own requests): inside the test's transaction its autocommit
    differs from the settings', so the request signals' `close_old_connections` would close it
    (on PostgreSQL the next query fails)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


def _operation_failures(operation, headers: dict[str, str], checks=CHECKS) -> list[str]:
    """The first falsifying example of each check that fails on one operation."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def fuzz(case):
        case.call_and_validate(headers=headers, checks=checks)

    try:
        with _connection_kept():
            fuzz()
    except Exception as failure:
        return [f"{operation.label}: {str(failure)[:REPORT_CHARS]}"]
    return []


@pytest.fixture
def world(coordinator, radiologist):
    """Objects with the small ids a fuzzer tries first: a campaign, its readers, imaged studies."""
    campaign = CampaignFactory(programme=programme("breast"))
    campaign.assigned_staff.add(radiologist)
    for n in (1, 2):
        reader(f"reader{n}", campaign)
    PatientFactory(email="")
    return [imaged_study(campaign, score=0.9, band="high"), imaged_study(campaign)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coordinator", "radiologist"])
def test_every_operation_keeps_to_the_schema(api_schema, world, request, role):
    headers = {"Authorization": f"Token {_token(request.getfixturevalue(role))}"}

    operations = [result.ok() for result in api_schema.get_all_operations()]
    # DELETE /auth/token/ revokes the token the run presents: it goes last, once the others ran signed in.
    revoke = [operation for operation in operations if operation.label == TOKEN_REVOKE]
    failures = [
        failure
        for operation in operations
        if operation.label != TOKEN_REVOKE
        for failure in _operation_failures(operation, headers)
    ]
    assert Client().get("/api/v1/programmes/", headers=headers).status_code == 200, (
        "the token stopped working"
    )
    failures += [failure for operation in revoke for failure in _operation_failures(operation, headers)]

    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
def test_without_credentials_every_operation_is_refused(api_schema, world):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    checks = [*CHECKS, refused_without_credentials]

    failures = [failure for operation in operations for failure in _operation_failures(operation, {}, checks)]

    assert [operation.label for operation in operations if _open_to_anyone(operation)] == [
        "POST /api/v1/auth/token/"
    ]
    assert not failures, "\n\n".join(failures)
