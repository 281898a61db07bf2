"""An episode's reads follow the settings recorded when it was imaged, whatever the campaign says now."""

from screening.campaigns.episode_services import episode_transition
from screening.campaigns.models import EpisodeStatus, ReadingPolicy
from screening.core.models import AuditEvent
from screening.reading.models import DecisionBasis, EpisodeReadDecision, ReadRole, ReadSlot
from screening.reading.read_decisions import ai_calls_recall
from screening.reading.read_selectors import study_reads_for_reader
from screening.reading.slot_services import ai_shown_to_reader, read_slot_claim
from tests.factories import CampaignFactory, EpisodeFactory, programme
from tests.reading.conftest import breast_opinion, imaged_study, reader, sign_read, slot_of


def _campaign(**settings):
    return CampaignFactory(programme=programme("breast"), **settings)


def _change(campaign, **settings):
    """The campaign changed behind the reads' back (as the admin site or the edit page does)."""
    for name, value in settings.items():
        setattr(campaign, name, value)
    campaign.save()


def test_open_ai_second_reader_reads_stay_ai_second_reader_after_a_move_to_double_blind(db):
    campaign = _campaign(reading_policy=ReadingPolicy.AI_SECOND_READER)
    first = reader("first", campaign)
    study = imaged_study(campaign, score=0.9, band="high")
    _change(campaign, reading_policy=ReadingPolicy.DOUBLE_BLIND)
    sign_read(first, slot_of(study), breast_opinion(right="4"))
    decision = EpisodeReadDecision.objects.get(episode=study.episode)
    assert decision.basis == DecisionBasis.AI_CONCORDANT
    assert decision.ai_recall is True
    assert not ReadSlot.objects.filter(study=study, role=ReadRole.SECOND).exists()


def test_open_double_blind_reads_still_need_the_second_reader_after_a_move_to_single(db):
    campaign = _campaign(reading_policy=ReadingPolicy.DOUBLE_BLIND)
    first = reader("first", campaign)
    study = imaged_study(campaign)
    _change(campaign, reading_policy=ReadingPolicy.SINGLE)
    sign_read(first, slot_of(study, ReadRole.FIRST))
    study.episode.refresh_from_db()
    assert study.episode.status == EpisodeStatus.IMAGED
    assert not EpisodeReadDecision.objects.filter(episode=study.episode).exists()


def test_the_ai_stays_hidden_from_open_reads_of_an_unaided_campaign_that_turns_it_on(db):
    campaign = _campaign(reading_policy=ReadingPolicy.SINGLE, ai_shown_to_readers=False)
    first = reader("first", campaign)
    study = imaged_study(campaign, score=0.7, band="high")
    _change(campaign, ai_shown_to_readers=True)
    slot = read_slot_claim(actor=first, slot=slot_of(study))
    assert not ai_shown_to_reader(slot)
    assert slot.claim_ai_shown is False
    assert not study_reads_for_reader(actor=first, slot=slot).ai_visible


def test_the_ai_call_uses_the_threshold_recorded_at_imaging(db):
    campaign = _campaign(reading_policy=ReadingPolicy.AI_SECOND_READER, ai_high_suspicion_threshold=0.5)
    study = imaged_study(campaign, score=0.6, band="intermediate")
    _change(campaign, ai_high_suspicion_threshold=0.8)
    episode = study.episode
    episode.refresh_from_db()
    assert ai_calls_recall(settings=episode.reading_settings, ai_score=0.6) is True


def test_an_episode_imaged_after_the_change_follows_the_new_settings(db, coordinator_actor):
    campaign = _campaign(reading_policy=ReadingPolicy.AI_SECOND_READER, ai_shown_to_readers=False)
    _change(campaign, reading_policy=ReadingPolicy.SINGLE, ai_high_suspicion_threshold=0.7)
    episode = EpisodeFactory(campaign=campaign, status=EpisodeStatus.ATTENDED)
    episode_transition(actor=coordinator_actor, episode=episode, to_status=EpisodeStatus.IMAGED)
    episode.refresh_from_db()
    assert (episode.reading_policy, episode.ai_high_suspicion_threshold) == (ReadingPolicy.SINGLE, 0.7)
    assert (episode.ai_low_suspicion_threshold, episode.ai_shown_to_readers) == (0.1, False)
    _change(campaign, reading_policy=ReadingPolicy.DOUBLE_BLIND, ai_shown_to_readers=True)
    episode.refresh_from_db()
    assert episode.reading_settings.reading_policy == ReadingPolicy.SINGLE
    assert episode.reading_settings.ai_shown_to_readers is False


def test_reads_opened_on_an_episode_imaged_without_the_step_record_the_settings_first(db):
    campaign = _campaign(reading_policy=ReadingPolicy.DOUBLE_BLIND)
    study = imaged_study(campaign)  # the factory sets the status directly, as an old row had it
    study.episode.refresh_from_db()
    assert study.episode.reading_policy == ReadingPolicy.DOUBLE_BLIND
    recorded = AuditEvent.objects.get(object_type="episode", object_id=str(study.episode_id))
    assert recorded.detail["reading_settings"]["reading_policy"] == ReadingPolicy.DOUBLE_BLIND


def test_the_migration_fills_imaged_episodes_from_their_campaign_and_leaves_the_others(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("screening.campaigns.migrations.0005_episode_reading_settings")
    campaign = _campaign(reading_policy=ReadingPolicy.AI_SECOND_READER, ai_shown_to_readers=False)
    imaged = EpisodeFactory(campaign=campaign, status=EpisodeStatus.IMAGED)
    invited = EpisodeFactory(campaign=campaign, status=EpisodeStatus.INVITED)
    migration.record_settings_of_imaged_episodes(apps, None)
    imaged.refresh_from_db()
    invited.refresh_from_db()
    assert (imaged.reading_policy, imaged.ai_shown_to_readers) == (ReadingPolicy.AI_SECOND_READER, False)
    assert (imaged.ai_high_suspicion_threshold, imaged.ai_low_suspicion_threshold) == (0.5, 0.1)
    assert not invited.reading_settings_recorded
