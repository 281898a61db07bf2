"""Imaged studies nobody can read: the home page warns coordinators, with a link to the campaign."""

import pytest
from django.urls import reverse

from screening.campaigns.models import CampaignStatus, EpisodeStatus, ReadingPolicy
from screening.core.roles import Role
from tests.factories import CampaignFactory, EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _home(client) -> str:
    return client.get(reverse("home")).content.decode()


def test_the_home_page_warns_of_imaged_studies_in_a_campaign_without_readers(coordinator_client):
    campaign = CampaignFactory(name="Unread round", reading_policy=ReadingPolicy.DOUBLE_BLIND)
    EpisodeFactory.create_batch(2, campaign=campaign, status=EpisodeStatus.IMAGED)
    page = _home(coordinator_client)
    assert 'id="unreadable-studies"' in page
    assert f'href="{reverse("campaigns:detail", args=[campaign.pk])}"' in page
    assert "2 imaged studies" in page and "0 of the 3 radiologists" in page


def test_no_warning_once_the_campaign_has_its_readers(coordinator_client):
    campaign = CampaignFactory(reading_policy=ReadingPolicy.SINGLE)
    EpisodeFactory(campaign=campaign, status=EpisodeStatus.IMAGED)
    EpisodeFactory(campaign=CampaignFactory(status=CampaignStatus.DRAFT), status=EpisodeStatus.INVITED)
    campaign.assigned_staff.add(UserFactory(username="reader", role=Role.RADIOLOGIST))
    assert 'id="unreadable-studies"' not in _home(coordinator_client)


def test_the_policy_an_episode_recorded_decides_how_many_readers_it_needs(coordinator_client):
    campaign = CampaignFactory(reading_policy=ReadingPolicy.SINGLE)
    campaign.assigned_staff.add(UserFactory(username="reader", role=Role.RADIOLOGIST))
    EpisodeFactory(
        campaign=campaign,
        status=EpisodeStatus.IMAGED,
        reading_policy=ReadingPolicy.DOUBLE_BLIND,
        ai_high_suspicion_threshold=0.5,
        ai_low_suspicion_threshold=0.1,
        ai_shown_to_readers=True,
    )
    assert "1 of the 3 radiologists" in _home(coordinator_client)


def test_radiologists_see_no_such_warning(radiologist_client, radiologist):
    campaign = CampaignFactory(reading_policy=ReadingPolicy.DOUBLE_BLIND)
    campaign.assigned_staff.add(radiologist)
    EpisodeFactory(campaign=campaign, status=EpisodeStatus.IMAGED)
    assert 'id="unreadable-studies"' not in _home(radiologist_client)
