"""The worklist: triage order, what a reader may not take, filters, counts and keyset pages."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from screening.core.actors import Actor
from screening.reading.arbitration_selectors import arbitration_list
from screening.reading.models import ReadRole, ReadSlot
from screening.reading.slot_services import read_slot_claim, read_slot_release, read_slot_skip
from screening.reading.worklist_selectors import (
    WorklistFilters,
    worklist_band_counts,
    worklist_page,
)
from tests.factories import CampaignFactory
from tests.reading.conftest import PASSWORD, breast_opinion, imaged_study, reader, sign_read, slot_of


def fresh(actor):
    return Actor.for_user(get_user_model().objects.get(pk=actor.user_id))


def studies_on(page):
    return [entry.slot.study_id for entry in page.entries]


def test_worklist_orders_by_band_then_score_then_waiting_time(breast_campaign, readers):
    low = imaged_study(breast_campaign, score=0.05, band="low", days_waiting=30)
    none = imaged_study(breast_campaign, days_waiting=40)
    high_old = imaged_study(breast_campaign, score=0.8, band="high", days_waiting=9)
    high_new = imaged_study(breast_campaign, score=0.8, band="high", days_waiting=1)
    higher = imaged_study(breast_campaign, score=0.95, band="high", days_waiting=1)
    mid = imaged_study(breast_campaign, score=0.3, band="intermediate", days_waiting=20)
    page = worklist_page(actor=readers[0])
    assert studies_on(page) == [s.pk for s in (higher, high_old, high_new, mid, low, none)]
    assert {e.slot.role for e in page.entries} == {ReadRole.FIRST}  # one entry per study
    overdue = {e.slot.study_id: e.overdue for e in page.entries}
    assert overdue[low.pk] and not overdue[high_new.pk]


def test_worklist_leaves_out_what_the_reader_cannot_take(breast_campaign, readers):
    first, second, third = readers
    claimed_by_other = imaged_study(breast_campaign)
    read_by_me = imaged_study(breast_campaign)
    skipped = imaged_study(breast_campaign)
    elsewhere = imaged_study(CampaignFactory())  # not assigned
    read_slot_claim(actor=second, slot=slot_of(claimed_by_other))
    sign_read(first, slot_of(read_by_me), password=PASSWORD, opinion=breast_opinion())
    read_slot_skip(actor=first, slot=slot_of(skipped), reason="Known to me personally")
    mine = {e.slot.study_id: e.slot.role for e in worklist_page(actor=first).entries}
    assert claimed_by_other.pk in mine and mine[claimed_by_other.pk] == ReadRole.SECOND
    assert read_by_me.pk not in mine and skipped.pk not in mine and elsewhere.pk not in mine
    theirs = {e.slot.study_id: e.slot.role for e in worklist_page(actor=third).entries}
    assert theirs[read_by_me.pk] == ReadRole.SECOND and theirs[skipped.pk] == ReadRole.FIRST
    # An expired claim blocks nobody; a released one neither.
    ReadSlot.objects.filter(study=claimed_by_other).update(claim_expires_at=timezone.now() - timedelta(1))
    assert {
        e.slot.role for e in worklist_page(actor=first).entries if e.slot.study_id == claimed_by_other.pk
    } == {ReadRole.FIRST}


def test_claim_release_and_skip(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    claimed = read_slot_claim(actor=readers[0], slot=slot_of(study))
    assert claimed.claimed_by == readers[0].user
    with pytest.raises(ValidationError):
        read_slot_release(actor=readers[1], slot=claimed)
    released = read_slot_release(actor=readers[0], slot=claimed)
    assert released.claimed_by is None
    with pytest.raises(ValidationError):
        read_slot_skip(actor=readers[0], slot=released, reason=" ")


def test_filters_and_counts(breast_campaign, readers):
    imaged_study(breast_campaign, score=0.9, band="high", days_waiting=20)
    imaged_study(breast_campaign, score=0.2, band="intermediate", days_waiting=2)
    imaged_study(breast_campaign, days_waiting=2)
    actor = readers[0]
    assert len(worklist_page(actor=actor, filters=WorklistFilters(band="high")).entries) == 1
    assert len(worklist_page(actor=actor, filters=WorklistFilters(waiting_more_than_days=14)).entries) == 1
    assert worklist_page(actor=actor, filters=WorklistFilters(priors_only=True)).entries == []
    other = CampaignFactory()
    other.assigned_staff.add(actor.user)
    imaged_study(other)
    assert len(worklist_page(actor=actor, filters=WorklistFilters(campaign_id=other.pk)).entries) == 1
    counts = {band: count.n for band, count in worklist_band_counts(actor=actor).items()}
    assert counts == {"high": 1, "intermediate": 1, "low": 0, "none": 2}  # studies, not their reads
    with pytest.raises(ValidationError):
        worklist_page(actor=actor, filters=WorklistFilters(band="purple"))


def test_keyset_pages_walk_the_whole_list_with_the_same_queries_per_page(breast_campaign, readers):
    for n in range(25):
        imaged_study(
            breast_campaign, score=(n % 5) / 5, band=["low", "intermediate", "high"][n % 3], days_waiting=n
        )
    seen, cursor, counts = [], "", []
    while True:
        actor = fresh(readers[0])  # as each request has: a user loaded anew, permissions not cached
        with CaptureQueriesContext(connection) as queries:
            page = worklist_page(actor=actor, cursor=cursor, page_size=4)
            [(e.slot.patient_identifier, e.slot.campaign_name, e.slot.study_id) for e in page.entries]
        counts.append(len(queries))
        seen += studies_on(page)
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 25
    assert len(set(counts)) == 1, counts
    assert seen == studies_on(worklist_page(actor=actor, page_size=50))
    with pytest.raises(ValidationError):
        worklist_page(actor=actor, cursor="not-a-cursor")


def test_arbitration_list_shows_discordant_studies_to_a_third_reader(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    sign_read(readers[0], slot_of(study), password=PASSWORD, opinion=breast_opinion(right="4"))
    sign_read(readers[1], slot_of(study, ReadRole.SECOND), password=PASSWORD, opinion=breast_opinion())
    assert [s.study_id for s in arbitration_list(actor=readers[2])] == [study.pk]
    assert list(arbitration_list(actor=readers[0])) == []
    assert study.pk not in studies_on(worklist_page(actor=readers[2]))


def test_roles_without_the_worklist_get_nothing(breast_campaign, coordinator):
    imaged_study(breast_campaign)
    assert worklist_page(actor=Actor.for_user(coordinator)).entries == []
    assert reader("unassigned") and worklist_page(actor=reader("unassigned2")).entries == []
