"""Sign-off under each policy: the reads, the decision, the episode result, and every refusal."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from screening.campaigns.models import EpisodeResult, EpisodeStatus, ReadingPolicy
from screening.core.models import AuditEvent
from screening.reading.models import (
    DecisionBasis,
    EpisodeReadDecision,
    LockedRowError,
    ReadOpinion,
    ReadRole,
    ReadSlot,
    ReadSlotStatus,
)
from screening.reading.read_selectors import episode_report, study_reads_for_reader
from screening.reading.signoff_services import read_amend, read_sign
from screening.reading.slot_services import read_slot_claim
from tests.factories import CampaignFactory, programme
from tests.reading.conftest import PASSWORD, breast_opinion, imaged_study, reader, slot_of


def sign(actor, slot, opinion=None, password=PASSWORD):
    """Open the read (signing needs the reader's live claim), then sign it."""
    slot = read_slot_claim(actor=actor, slot=slot)
    return read_sign(actor=actor, slot=slot, password=password, opinion=opinion or breast_opinion())


def test_single_reading_issues_the_result_and_records_time_from_imaging(db):
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE)
    rad = reader("solo", campaign)
    study = imaged_study(campaign, days_waiting=3)
    slot = read_slot_claim(actor=rad, slot=slot_of(study))
    opinion = sign(rad, slot, breast_opinion(right="4"))
    episode = study.episode
    episode.refresh_from_db()
    assert (episode.status, episode.result) == (EpisodeStatus.RESULT_ISSUED, EpisodeResult.RECALL)
    assert [e.to_status for e in episode.status_events.all()][-2:] == ["read", "result_issued"]
    decision = EpisodeReadDecision.objects.get(episode=episode)
    assert decision.basis == DecisionBasis.SINGLE
    assert timedelta(days=3) <= decision.imaging_to_result < timedelta(days=3, minutes=1)
    assert opinion.reading_seconds is not None and opinion.version == 1
    assert opinion.findings.get().quadrant == "UOQ"


def test_double_blind_concordant_reads_decide_and_readers_are_blind_until_both_signed(
    breast_campaign, readers
):
    first, second, _ = readers
    study = imaged_study(breast_campaign)
    sign(first, slot_of(study, ReadRole.FIRST), breast_opinion(right="2"))
    second_slot = read_slot_claim(actor=second, slot=slot_of(study, ReadRole.SECOND))
    assert study_reads_for_reader(actor=second, slot=second_slot).visible_opinions == []
    study.episode.refresh_from_db()
    assert study.episode.status == EpisodeStatus.IMAGED
    sign(second, second_slot, breast_opinion(right="1"))  # 1 vs 2: no recall either way
    study.episode.refresh_from_db()
    assert (study.episode.status, study.episode.result) == (
        EpisodeStatus.RESULT_ISSUED,
        EpisodeResult.ROUTINE,
    )
    assert EpisodeReadDecision.objects.get(episode=study.episode).basis == DecisionBasis.CONCORDANT
    assert (
        len(study_reads_for_reader(actor=second, slot=slot_of(study, ReadRole.SECOND)).visible_opinions) == 2
    )


def test_disagreement_goes_to_a_third_reader_who_sees_both_and_decides(breast_campaign, readers):
    first, second, third = readers
    study = imaged_study(breast_campaign)
    sign(first, slot_of(study, ReadRole.FIRST), breast_opinion(right="4"))
    sign(second, slot_of(study, ReadRole.SECOND), breast_opinion(right="2"))
    arbitration = slot_of(study, ReadRole.ARBITRATION)
    assert arbitration.status == ReadSlotStatus.OPEN
    with pytest.raises(ValidationError, match="another role"):
        sign(first, arbitration, breast_opinion(right="4"))
    assert len(study_reads_for_reader(actor=third, slot=arbitration).visible_opinions) == 2
    sign(third, arbitration, breast_opinion(right="4"))
    study.episode.refresh_from_db()
    assert study.episode.result == EpisodeResult.RECALL
    assert EpisodeReadDecision.objects.get(episode=study.episode).basis == DecisionBasis.ARBITRATION


def test_recall_of_different_breasts_is_a_disagreement(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    sign(readers[0], slot_of(study, ReadRole.FIRST), breast_opinion(right="4"))
    sign(readers[1], slot_of(study, ReadRole.SECOND), breast_opinion(left="4"))
    assert ReadSlot.objects.filter(study=study, role=ReadRole.ARBITRATION).exists()


def test_technical_recall_beside_recall_is_recall(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    technical = breast_opinion(result="technical_recall")
    sign(readers[0], slot_of(study, ReadRole.FIRST), technical)
    sign(readers[1], slot_of(study, ReadRole.SECOND), breast_opinion(right="5"))
    study.episode.refresh_from_db()
    assert study.episode.result == EpisodeResult.RECALL


def test_one_reader_cannot_sign_both_reads_of_a_pair(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    sign(readers[0], slot_of(study, ReadRole.FIRST))
    with pytest.raises(ValidationError, match="another role"):
        sign(readers[0], slot_of(study, ReadRole.SECOND))
    assert slot_of(study, ReadRole.SECOND).status == ReadSlotStatus.OPEN


@pytest.mark.parametrize(
    ("score", "opinion", "expected"),
    [
        (0.9, {"right": "4"}, EpisodeResult.RECALL),
        (0.05, {}, EpisodeResult.ROUTINE),
        (0.05, {"result": "technical_recall"}, EpisodeResult.TECHNICAL_RECALL),
    ],
)
def test_ai_as_second_reader_concordant_decides(db, score, opinion, expected):
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.AI_SECOND_READER)
    rad = reader("human", campaign)
    study = imaged_study(campaign, score=score, band="high" if score > 0.5 else "low")
    signed = sign(rad, slot_of(study), breast_opinion(**opinion))
    study.episode.refresh_from_db()
    assert study.episode.result == expected
    assert signed.ai_shown and signed.ai_score == score


def test_ai_as_second_reader_discordant_goes_to_arbitration_and_no_score_to_a_second_human(db):
    campaign = CampaignFactory(programme=programme("breast"), reading_policy=ReadingPolicy.AI_SECOND_READER)
    rad = reader("human", campaign)
    discordant = imaged_study(campaign, score=0.95, band="high")
    sign(rad, slot_of(discordant), breast_opinion())
    assert slot_of(discordant, ReadRole.ARBITRATION).status == ReadSlotStatus.OPEN
    no_ai = imaged_study(campaign)
    sign(rad, slot_of(no_ai), breast_opinion())
    assert slot_of(no_ai, ReadRole.SECOND).status == ReadSlotStatus.OPEN


def test_unaided_campaign_records_that_the_ai_was_not_shown(db):
    campaign = CampaignFactory(
        programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE, ai_shown_to_readers=False
    )
    rad = reader("unaided", campaign)
    study = imaged_study(campaign, score=0.7, band="high")
    with pytest.raises(ValidationError, match="not shown"):
        sign(rad, slot_of(study), breast_opinion(ai_agreement="agree"))
    assert sign(rad, slot_of(study)).ai_shown is False


def test_unaided_double_reading_shows_the_ai_only_to_a_reader_who_signed_their_own_read(db):
    campaign = CampaignFactory(
        programme=programme("breast"), reading_policy=ReadingPolicy.DOUBLE_BLIND, ai_shown_to_readers=False
    )
    first, second = reader("first", campaign), reader("second", campaign)
    study = imaged_study(campaign, score=0.8, band="high")
    sign(first, slot_of(study))
    assert study_reads_for_reader(actor=first, slot=slot_of(study)).ai_visible
    # The second reader looking at the first (signed) read, or at their own open one, still reads unaided.
    assert not study_reads_for_reader(actor=second, slot=slot_of(study)).ai_visible
    assert not study_reads_for_reader(actor=second, slot=slot_of(study, ReadRole.SECOND)).ai_visible


def test_wrong_password_stores_nothing_but_the_audited_denial(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    slot = read_slot_claim(actor=readers[0], slot=slot_of(study))
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        read_sign(actor=readers[0], slot=slot, password="guess", opinion=breast_opinion())
    assert "password" in error.value.message_dict
    assert not ReadOpinion.objects.exists()
    assert list(AuditEvent.objects.filter(sequence__gt=events).values_list("outcome", flat=True)) == [
        "denied"
    ]
    assert slot_of(study).status == ReadSlotStatus.OPEN


def test_a_read_claimed_by_another_reader_is_refused_until_the_claim_expires(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    read_slot_claim(actor=readers[0], slot=slot_of(study))
    with pytest.raises(ValidationError, match="Another reader"):
        sign(readers[1], slot_of(study))
    ReadSlot.objects.filter(study=study).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    assert sign(readers[1], slot_of(study)).reader == readers[1].user


def test_unassigned_reader_and_closed_episode_are_refused(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    outsider = reader("outsider")
    with pytest.raises(PermissionDenied):
        sign(outsider, slot_of(study))
    study.episode.status = EpisodeStatus.CLOSED
    study.episode.save()
    with pytest.raises(ValidationError, match="closed"):
        sign(readers[0], slot_of(study))
    assert not ReadOpinion.objects.exists()


def test_opinion_must_fit_the_programme(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    with pytest.raises(ValidationError) as error:
        sign(readers[0], slot_of(study), breast_opinion(right="4", result="routine"))
    assert "result" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        read_sign(
            actor=readers[0],
            slot=slot_of(study),
            password=PASSWORD,
            opinion=breast_opinion(right="9"),
        )
    assert "categories" in error.value.message_dict


def test_amendment_keeps_both_versions_recomputes_the_result_and_is_audited(breast_campaign, readers):
    breast_campaign.reading_policy = ReadingPolicy.SINGLE
    breast_campaign.save()
    study = imaged_study(breast_campaign)
    slot = slot_of(study)
    original = sign(readers[0], slot)
    with pytest.raises(PermissionDenied):
        read_amend(
            actor=readers[1], slot=slot, password=PASSWORD, opinion=breast_opinion(right="4"), reason="x"
        )
    amended = read_amend(
        actor=readers[0],
        slot=slot,
        password=PASSWORD,
        opinion=breast_opinion(right="4"),
        reason="Missed mass",
    )
    assert (amended.version, amended.amendment_reason) == (2, "Missed mass")
    assert list(slot.opinions.values_list("version", flat=True)) == [1, 2]
    study.episode.refresh_from_db()
    assert study.episode.result == EpisodeResult.RECALL
    decisions = list(EpisodeReadDecision.objects.filter(episode=study.episode).values_list("result", "basis"))
    assert decisions == [("routine", "single"), ("recall", "amendment")]
    assert AuditEvent.objects.filter(object_type="read_opinion", object_id=str(amended.pk)).exists()
    report = episode_report(actor=readers[0], episode_id=study.episode_id)
    assert [o.version for o in report.versions[slot.pk]] == [1, 2]
    original.comment = "rewritten"
    with pytest.raises(LockedRowError):
        original.save()


def test_the_database_refuses_to_change_a_signed_opinion(breast_campaign, readers):
    study = imaged_study(breast_campaign)
    signed = sign(readers[0], slot_of(study))
    with pytest.raises(Exception) as error, transaction.atomic():
        ReadOpinion.objects.filter(pk=signed.pk).update(result="recall")
    assert "locked" in str(error.value)
    if connection.vendor == "postgresql":
        with pytest.raises(Exception, match="locked"), transaction.atomic():
            ReadOpinion.objects.filter(pk=signed.pk)._raw_delete(connection.alias)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReadOpinion.objects.create(
            slot=signed.slot,
            version=1,
            reader=signed.reader,
            signed_at=signed.signed_at,
            result="routine",
            ai_shown=False,
        )
