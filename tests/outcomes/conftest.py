"""Episodes with results to record outcomes against, and the actors who record them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from screening.campaigns.models import EpisodeResult, EpisodeStatus
from tests.factories import CampaignFactory, EpisodeFactory, programme


def screened_episode(*, result: str, days_ago: int = 30, programme_code: str = "breast", patient=None):
    """An episode whose result was issued, imaged `days_ago` days ago."""
    campaign = CampaignFactory(programme=programme(programme_code))
    extra = {"patient": patient} if patient is not None else {}
    return EpisodeFactory(
        campaign=campaign,
        status=EpisodeStatus.RESULT_ISSUED,
        result=result,
        imaged_at=timezone.now() - timedelta(days=days_ago),
        **extra,
    )


@pytest.fixture
def recalled(db):
    return screened_episode(result=EpisodeResult.RECALL)


@pytest.fixture
def routine(db):
    return screened_episode(result=EpisodeResult.ROUTINE)


@pytest.fixture
def recalled_lung(db):
    return screened_episode(result=EpisodeResult.RECALL, programme_code="lung")
