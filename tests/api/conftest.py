"""API clients per role: DRF's APIClient, authenticated as the role's user."""

import pytest
from rest_framework.test import APIClient


def _api_client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def anonymous_api():
    return APIClient()


@pytest.fixture
def coordinator_api(coordinator):
    return _api_client_for(coordinator)


@pytest.fixture
def radiologist_api(radiologist):
    return _api_client_for(radiologist)


@pytest.fixture
def auditor_api(auditor):
    return _api_client_for(auditor)
