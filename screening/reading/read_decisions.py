"""After each signature: what the campaign's policy needs next, and the episode result when complete.

Single reading: the reader decides. Double blind: two concordant reads decide, a disagreement
opens an arbitration read, and the arbitrator decides. AI as second reader: the read beside the
AI's call at the high threshold; concordant decides, discordant goes to arbitration;
a study without an AI score gets a second human reader instead. Called with the study's slots
locked (see slot_services.locked_study_slots), inside the signing transaction. The policy and
threshold are those the episode recorded when it was imaged, not the campaign's current ones.
"""

from screening.campaigns.episode_services import episode_result_from_reads, episode_result_review_open
from screening.campaigns.models import Episode, EpisodeResult, EpisodeStatus, ReadingPolicy, ReadingSettings
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.event_clock import event_now
from screening.core.models import AuditAction
from screening.patients.consent_services import ai_consent_withdrawn_at
from screening.reading.models import (
    DecisionBasis,
    EpisodeReadDecision,
    ReadOpinion,
    ReadRole,
    ReadSlot,
    ReadSlotStatus,
)
from screening.reading.opinion_rules import (
    OpinionSummary,
    ai_concordant_result,
    concordant_result,
    opinion_summary,
)
from screening.reading.slot_services import READ_SLOT, slot_create

READ_DECISION = "read_decision"


def ai_calls_recall(*, settings: ReadingSettings, ai_score: float | None) -> bool | None:
    """The AI's call as a second reader: recall at or above the episode's high threshold."""
    if ai_score is None:
        return None
    return ai_score >= settings.ai_high_suspicion_threshold


def reads_advance(*, actor: Actor, slots: list[ReadSlot]) -> EpisodeReadDecision | ReadSlot | None:
    """Apply the policy to a study's signed reads: a decision, a new read to do, or None (waiting)."""
    by_role = {slot.role: slot for slot in slots}
    first, second, arbiter = (by_role.get(r) for r in (ReadRole.FIRST, ReadRole.SECOND, ReadRole.ARBITRATION))
    settings = slots[0].episode.reading_settings
    # The AI's call at the episode's threshold, kept with every decision whatever decided it; none
    # for a participant whose AI consent stands withdrawn (treated as a study without an AI score).
    ai_score = slots[0].ai_score
    if ai_score is not None and ai_consent_withdrawn_at(patient_id=slots[0].episode.patient_id) is not None:
        ai_score = None
    ai_recall = ai_calls_recall(settings=settings, ai_score=ai_score)

    def signed(slot: ReadSlot | None) -> bool:
        return slot is not None and slot.status == ReadSlotStatus.SIGNED

    if arbiter is not None:
        if not signed(arbiter):
            return None
        return _decide(actor, slots, _opinion(arbiter).result, DecisionBasis.ARBITRATION, ai_recall=ai_recall)
    if first is None or not signed(first):
        return None
    first_summary = _summary(first)
    if second is not None:  # double reading, or the AI fallback when the AI gave no score
        if not signed(second):
            return None
        agreed = concordant_result(first_summary, _summary(second))
        basis = DecisionBasis.CONCORDANT
    elif settings.reading_policy == ReadingPolicy.AI_SECOND_READER:
        if ai_recall is None:
            return _open_read(actor, first, ReadRole.SECOND)
        agreed = ai_concordant_result(reader=first_summary, ai_recall=ai_recall)
        basis = (
            DecisionBasis.TECHNICAL
            if agreed == EpisodeResult.TECHNICAL_RECALL
            else DecisionBasis.AI_CONCORDANT
        )
    else:
        return _decide(actor, slots, first_summary.result, DecisionBasis.SINGLE, ai_recall=ai_recall)
    if agreed is None:
        return _open_read(actor, first, ReadRole.ARBITRATION)
    return _decide(actor, slots, agreed, basis, ai_recall=ai_recall)


def _opinion(slot: ReadSlot) -> ReadOpinion:
    assert slot.current_opinion is not None
    return slot.current_opinion


def _summary(slot: ReadSlot) -> OpinionSummary:
    opinion = _opinion(slot)
    return opinion_summary(
        programme=slot.campaign.programme, result=opinion.result, categories=opinion.categories
    )


def _open_read(actor: Actor, after: ReadSlot, role: str) -> ReadSlot:
    slot = slot_create(study=after.study, role=role)
    if slot is None:  # already there (an amendment re-running the policy)
        return ReadSlot.objects.get(study_id=after.study_id, role=role)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=READ_SLOT,
        object_id=slot.pk,
        detail={"study": after.study_id, "role": role},
    )
    if after.episode.status == EpisodeStatus.RESULT_ISSUED:
        # An amendment reopened a decided study: the issued result is not final until reads decide.
        episode_result_review_open(
            actor=actor,
            episode=after.episode,
            note=f"an amendment opened the {slot.role} read",
        )
    return slot


def _decide(
    actor: Actor, slots: list[ReadSlot], result: str, basis: str, *, ai_recall: bool | None
) -> EpisodeReadDecision | None:
    """Record the decision and issue the result; an unchanged decision adds nothing, unless it ends
    a review (an arbitration an amendment opened confirms the issued result)."""
    episode = Episode.objects.select_for_update().get(pk=slots[0].episode_id)
    study_id = slots[0].study_id
    latest = episode.read_decisions.filter(study_id=study_id).order_by("-decided_at", "-id").first()
    if latest is not None and latest.result == result and not episode.result_under_review:
        return None
    now = event_now()  # an event of the pathway (the result decided), dated like the episode's steps
    amended = latest is not None and not episode.result_under_review
    decision = EpisodeReadDecision.objects.create(
        episode=episode,
        study_id=study_id,
        result=result,
        basis=DecisionBasis.AMENDMENT if amended else basis,
        ai_recall=ai_recall,
        decided_at=now,
        imaging_to_result=(now - episode.imaged_at) if episode.imaged_at else None,
        note=f"was {latest.result}; {DecisionBasis(basis).label}" if latest is not None else "",
    )
    decision.opinions.set([s.current_opinion for s in slots if s.current_opinion is not None])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=READ_DECISION,
        object_id=decision.pk,
        detail={"episode": episode.pk, "result": result, "basis": decision.basis},
    )
    episode_result_from_reads(
        actor=actor, episode=episode, result=result, note=DecisionBasis(decision.basis).label
    )
    return decision
