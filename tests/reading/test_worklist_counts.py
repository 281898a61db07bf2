"""The worklist's counts per AI band are the rows the same reader sees: studies, not read slots,
for every reading policy and role, without episodes whose result is issued or that are closed;
and the worklist page costs the same queries on page 1 and on a later page."""

from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from screening.campaigns.models import Episode, EpisodeStatus, ReadingPolicy
from screening.reading.models import ReadRole
from screening.reading.slot_services import read_slot_claim, read_slot_skip
from screening.reading.worklist_selectors import (
    COUNT_LIMIT,
    WorklistFilters,
    worklist_band_counts,
    worklist_page,
)
from tests.factories import CampaignFactory, programme
from tests.reading.conftest import PASSWORD, breast_opinion, imaged_study, reader, sign_read, slot_of

BANDS = ("high", "intermediate", "low", "none")


def rows_per_band(actor, filters=None) -> dict[str, int]:
    """What the reader sees: every row of every page, per band."""
    seen, cursor = Counter[str](), ""
    while True:
        page = worklist_page(actor=actor, filters=filters, cursor=cursor, page_size=7)
        seen.update(entry.slot.band for entry in page.entries)
        if not page.has_next:
            return {band: seen[band] for band in BANDS}
        cursor = page.next_cursor


def counted(actor, filters=None) -> dict[str, int]:
    return {band: count.n for band, count in worklist_band_counts(actor=actor, filters=filters).items()}


def world(policy: str):
    """A campaign of `policy` with studies in every band, readers, and reads in every state."""
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=policy)
    first, second, third = (reader(f"{policy}-{n}", campaign) for n in (1, 2, 3))
    studies = [
        imaged_study(campaign, score=score, band=band, days_waiting=n)
        for n, (score, band) in enumerate(
            [
                *[(0.9, "high"), (0.8, "high"), (0.7, "high"), (0.3, "intermediate"), (0.2, "intermediate")],
                *[(0.05, "low"), (0.04, "low"), (None, "none"), (None, "none")],
            ]
        )
    ]
    read_slot_claim(actor=second, slot=slot_of(studies[1]))  # claimed by another
    sign_read(first, slot_of(studies[2]), opinion=breast_opinion(right="4"))  # signed by first
    read_slot_skip(actor=first, slot=slot_of(studies[3]), reason="Known to me")
    sign_read(first, slot_of(studies[5]), password=PASSWORD, opinion=breast_opinion())
    sign_read(first, slot_of(studies[7]), password=PASSWORD, opinion=breast_opinion())
    # A study whose episode got its result and one whose episode was closed still have open reads.
    Episode.objects.filter(pk=studies[4].episode_id).update(status=EpisodeStatus.RESULT_ISSUED)
    Episode.objects.filter(pk=studies[6].episode_id).update(status=EpisodeStatus.CLOSED)
    return campaign, (first, second, third), studies


@pytest.mark.parametrize("policy", ReadingPolicy.values)
def test_counts_per_band_are_the_rows_each_reader_sees(db, policy):
    campaign, readers, _ = world(policy)
    for actor in readers:
        assert counted(actor) == rows_per_band(actor), (policy, actor.username)
        for filters in (WorklistFilters(campaign_id=campaign.pk), WorklistFilters(priors_only=True)):
            assert counted(actor, filters) == rows_per_band(actor, filters)
    # Never a study twice, never an issued or closed episode, never an arbitration read.
    first = readers[0]
    assert counted(readers[2])["intermediate"] == 1 and counted(readers[2])["low"] == (
        1 if policy == ReadingPolicy.DOUBLE_BLIND else 0
    )
    # Of the high band, the study it signed is not its; the one another reader has open is, under
    # double reading, through its second read.
    assert counted(first)["high"] == (2 if policy == ReadingPolicy.DOUBLE_BLIND else 1)


def test_an_arbitrator_counts_neither_the_arbitration_nor_the_studies_it_read(db):
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.DOUBLE_BLIND)
    first, second, third = (reader(f"arb-{n}", campaign) for n in (1, 2, 3))
    discordant = imaged_study(campaign, score=0.9, band="high")
    imaged_study(campaign, score=0.9, band="high")
    sign_read(first, slot_of(discordant), opinion=breast_opinion(right="4"))
    sign_read(second, slot_of(discordant, ReadRole.SECOND), opinion=breast_opinion())
    for actor in (first, second, third):
        assert counted(actor) == rows_per_band(actor) == {"high": 1, "intermediate": 0, "low": 0, "none": 0}


def test_a_count_over_the_limit_says_so(db, monkeypatch):
    monkeypatch.setattr("screening.reading.worklist_selectors.COUNT_LIMIT", 2)
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE)
    actor = reader("many", campaign)
    for _ in range(3):
        imaged_study(campaign)
    imaged_study(campaign, score=0.9, band="high")
    imaged_study(campaign, score=0.9, band="high")
    counts = worklist_band_counts(actor=actor)
    assert (counts["none"].n, counts["none"].more) == (2, True)
    assert (counts["high"].n, counts["high"].more) == (2, False)
    assert str(counts["none"]) == "2+" and str(counts["high"]) == "2"
    assert COUNT_LIMIT >= 200


def test_the_worklist_page_costs_the_same_queries_on_page_one_and_a_later_page(breast_campaign, readers):
    for n in range(55):  # 55 first reads waiting: two pages of 50
        imaged_study(breast_campaign, days_waiting=n % 20)
    client = Client()
    client.force_login(readers[0].user)
    url = reverse("reading:worklist")
    client.get(url)  # renews the idle timeout (once a minute at most): not a cost of either page
    with CaptureQueriesContext(connection) as page_one:
        first_page = client.get(url)
    next_cursor = first_page.context["page"].next_cursor
    assert len(first_page.context["page"].entries) == 50 and next_cursor
    with CaptureQueriesContext(connection) as page_two:
        second_page = client.get(url, {"cursor": next_cursor})
    assert len(second_page.context["page"].entries) == 5
    assert len(page_one) == len(page_two), [q["sql"][:80] for q in page_two.captured_queries]
    assert second_page.context["counts"]["none"].n == 55  # studies, not their two reads each
    assert 'href="?band=none"' in second_page.content.decode()


def test_band_links_keep_the_other_filters(breast_campaign, readers):
    imaged_study(breast_campaign, score=0.9, band="high")
    client = Client()
    client.force_login(readers[0].user)
    html = client.get(reverse("reading:worklist"), {"campaign": breast_campaign.pk, "priors": "on"}).content
    assert f'href="?campaign={breast_campaign.pk}&amp;priors=on&amp;band=high"' in html.decode()
