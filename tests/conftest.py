"""Shared fixtures: a user and a logged-in client per role, actors, and domain objects."""

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import settings

from screening.core import compiled_sql
from screening.core.actors import Actor
from screening.core.roles import Role
from tests.factories import CampaignFactory, PatientFactory, UserFactory

# No timing assertions in tests (benchmarks measure speed): Hypothesis's per-example deadline
# failed property tests on a loaded machine, so it is off for the whole suite.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


@pytest.fixture(autouse=True)
def audit_checkpoints_in_tmp(settings, tmp_path):
    """Each test writes the audit chain's checkpoints to a file of its own (its chain is its own)."""
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit_checkpoints.log"


@pytest.fixture
def no_compiled_shapes():
    """No query shape compiled by an earlier test (core.compiled_sql), before or after."""
    compiled_sql._templates.clear()
    yield
    compiled_sql._templates.clear()


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coordinator", role=Role.COORDINATOR)


@pytest.fixture
def radiologist(db):
    return UserFactory(username="radiologist", role=Role.RADIOLOGIST)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role=Role.AUDITOR)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def coordinator_client(coordinator):
    return _client_for(coordinator)


@pytest.fixture
def radiologist_client(radiologist):
    return _client_for(radiologist)


@pytest.fixture
def auditor_client(auditor):
    return _client_for(auditor)


@pytest.fixture
def admin_client_(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def coordinator_actor(coordinator):
    return Actor.for_user(coordinator, ip_address="10.0.0.1")


@pytest.fixture
def patient(db):
    return PatientFactory()


@pytest.fixture
def campaign(db):
    return CampaignFactory()


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    """Stored, quarantined and rendered files go to a temporary folder; the cache starts empty."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    cache.clear()
    yield root
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_truncate_locks():
    """Transactional tests empty the database with TRUNCATE, which signed reads and the audit trail
    refuse on PostgreSQL: the test flush alone switches triggers off for its own transaction
    (session_replication_role, a superuser's setting the application's role does not hold)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):  # type: ignore[no-untyped-def]
        return flush(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = flush
