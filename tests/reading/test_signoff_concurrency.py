"""Readers racing on PostgreSQL (real threads, real connections): exactly one outcome, nothing half-stored."""

import os
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from screening.campaigns.models import EpisodeStatus, EpisodeStatusEvent, ReadingPolicy
from screening.reading.models import EpisodeReadDecision, ReadOpinion, ReadRole, ReadSlot, ReadSlotStatus
from screening.reading.signoff_services import read_sign
from screening.reading.slot_services import read_slot_claim
from tests.factories import CampaignFactory, programme
from tests.reading.conftest import PASSWORD, breast_opinion, imaged_study, reader, slot_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("the concurrency tests must run on PostgreSQL in CI (set DATABASE_URL)")
        pytest.skip("concurrent signers need PostgreSQL (SQLite serialises whole transactions)")


def race(*actions):
    """Run the actions at once, each on its own connection; returns each one's result or exception."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def sign_action(actor, slot, opinion=None):
    return lambda: read_sign(actor=actor, slot=slot, password=PASSWORD, opinion=opinion or breast_opinion())


def single_campaign():
    return CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE)


@pytest.mark.parametrize("attempt", range(3))
def test_two_readers_opening_the_same_read_one_gets_it(attempt):
    campaign = single_campaign()
    first, second = reader("race1", campaign), reader("race2", campaign)
    slot = slot_of(imaged_study(campaign))
    outcomes = race(
        lambda: read_slot_claim(actor=first, slot=slot), lambda: read_slot_claim(actor=second, slot=slot)
    )
    claimed = [o for o in outcomes if isinstance(o, ReadSlot)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(claimed) == 1 and len(refused) == 1, outcomes
    assert "Another reader" in refused[0].messages[0]
    assert ReadSlot.objects.get(pk=slot.pk).claimed_by_id == claimed[0].claimed_by_id


@pytest.mark.parametrize("attempt", range(3))
def test_a_signature_posted_twice_at_once_signs_once(attempt):
    campaign = single_campaign()
    first = reader("race1", campaign)
    study = imaged_study(campaign)
    slot = read_slot_claim(actor=first, slot=slot_of(study))
    outcomes = race(sign_action(first, slot), sign_action(first, slot, breast_opinion(right="4")))
    signed = [o for o in outcomes if isinstance(o, ReadOpinion)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(signed) == 1 and len(refused) == 1, outcomes
    assert "already signed" in refused[0].messages[0]
    assert ReadOpinion.objects.count() == 1
    assert ReadSlot.objects.get(pk=slot.pk).signed_by_id == signed[0].reader_id
    episode = study.episode
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.RESULT_ISSUED and episode.result == signed[0].result
    assert EpisodeReadDecision.objects.count() == 1
    assert (
        EpisodeStatusEvent.objects.filter(episode=episode, to_status=EpisodeStatus.RESULT_ISSUED).count() == 1
    )


@pytest.mark.parametrize("attempt", range(3))
def test_both_reads_of_a_pair_signed_at_once_decide_the_episode_once(attempt):
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.DOUBLE_BLIND)
    first, second = reader("pair1", campaign), reader("pair2", campaign)
    study = imaged_study(campaign)
    read_slot_claim(actor=first, slot=slot_of(study, ReadRole.FIRST))
    read_slot_claim(actor=second, slot=slot_of(study, ReadRole.SECOND))
    outcomes = race(
        sign_action(first, slot_of(study, ReadRole.FIRST)),
        sign_action(second, slot_of(study, ReadRole.SECOND)),
    )
    assert all(isinstance(o, ReadOpinion) for o in outcomes), outcomes
    assert EpisodeReadDecision.objects.filter(episode=study.episode).count() == 1
    study.episode.refresh_from_db()
    assert study.episode.status == EpisodeStatus.RESULT_ISSUED
    assert EpisodeStatusEvent.objects.filter(episode=study.episode, to_status=EpisodeStatus.READ).count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_one_reader_posting_both_reads_of_a_pair_gets_one(attempt):
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.DOUBLE_BLIND)
    greedy = reader("greedy", campaign)
    study = imaged_study(campaign)
    read_slot_claim(actor=greedy, slot=slot_of(study, ReadRole.FIRST))  # the second read it cannot open
    outcomes = race(
        sign_action(greedy, slot_of(study, ReadRole.FIRST)),
        sign_action(greedy, slot_of(study, ReadRole.SECOND)),
    )
    assert sum(isinstance(o, ReadOpinion) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert ReadSlot.objects.filter(study=study, status=ReadSlotStatus.SIGNED).count() == 1
    assert not EpisodeReadDecision.objects.exists()


@pytest.mark.parametrize("attempt", range(3))
def test_a_rival_opening_a_read_while_its_claimant_signs_is_refused_either_way(attempt):
    campaign = single_campaign()
    claimant, rival = reader("claimant", campaign), reader("rival", campaign)
    study = imaged_study(campaign)
    slot = read_slot_claim(actor=claimant, slot=slot_of(study))
    signature, claim = race(sign_action(claimant, slot), lambda: read_slot_claim(actor=rival, slot=slot))
    assert isinstance(signature, ReadOpinion) and isinstance(claim, ValidationError), (signature, claim)
    stored = ReadSlot.objects.get(pk=slot.pk)
    assert stored.status == ReadSlotStatus.SIGNED and stored.signed_by_id == claimant.user_id


def test_a_forged_signature_for_a_campaign_one_is_not_assigned_to_stores_nothing():
    campaign = single_campaign()
    study = imaged_study(campaign)
    outsider = reader("forger")
    (outcome,) = race(sign_action(outsider, slot_of(study)))
    assert isinstance(outcome, PermissionDenied)
    assert not ReadOpinion.objects.exists() and slot_of(study).status == ReadSlotStatus.OPEN
