"""Opening the reads a policy asks for, and claiming, releasing and skipping them.

Opening a study in the reading view claims its read for CLAIM_DURATION so two readers do not
read it at once; an expired claim blocks nobody. Every check that decides whether a reader may
take a read lives in `reader_refusal`, shared by claiming and signing.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from screening.campaigns.episode_services import episode_reading_settings_ensure
from screening.campaigns.models import Campaign, EpisodeStatus, ReadingPolicy
from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.models import AuditAction
from screening.core.roles import role_grants
from screening.imaging.intake_signals import ReceivedStudies
from screening.imaging.models import Study, StudyMatch
from screening.reading.models import ReadRole, ReadSlot, ReadSlotEvent, ReadSlotEventKind, ReadSlotStatus
from screening.reading.refusal_audit import ReadRefused, refusals_audited
from screening.reading.triage_keys import study_triage

logger = logging.getLogger(__name__)

READ_SLOT = "read_slot"
CLAIM_DURATION = timedelta(minutes=20)
SIGN_PERMISSION = "reading.sign_read"
CLAIM_FIELDS = ["claimed_by", "claimed_at", "claim_expires_at", "claim_ai_shown"]

# The reads each policy asks for up front; arbitration (and the AI fallback) are added later.
INITIAL_ROLES: dict[str, tuple[str, ...]] = {
    ReadingPolicy.SINGLE: (ReadRole.FIRST,),
    ReadingPolicy.DOUBLE_BLIND: (ReadRole.FIRST, ReadRole.SECOND),
    ReadingPolicy.AI_SECOND_READER: (ReadRole.FIRST,),
}


@transaction.atomic
def read_slots_open(*, actor: Actor, study: Study) -> list[ReadSlot]:
    """Create the reads the episode's policy (recorded when it was imaged) asks for of a matched,
    imaged study (idempotent)."""
    study = Study.objects.select_related("episode__campaign", "episode__patient").get(pk=study.pk)
    episode = study.episode
    if episode is None or study.match_status != StudyMatch.MATCHED or episode.status != EpisodeStatus.IMAGED:
        return []
    policy = episode_reading_settings_ensure(actor=actor, episode=episode).reading_settings.reading_policy
    existing = {slot.role for slot in study.read_slots.all()}
    roles = [role for role in INITIAL_ROLES[policy] if role not in existing]
    created = [slot for role in roles if (slot := slot_create(study=study, role=role)) is not None]
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(AuditAction.CREATE, READ_SLOT, s.pk, detail={"study": study.pk}) for s in created
        ],
    )
    return list(study.read_slots.order_by("id"))


def read_slots_open_for_studies(
    *, actor: Actor, study_ids: Iterable[int], studies: list[Study] | None = None
) -> int:
    """read_slots_open for each study (``studies``: the studies already read, else read here);
    returns how many studies have reads waiting."""
    if studies is None:
        studies = list(Study.objects.filter(pk__in=list(study_ids)))
    opened = 0
    for study in (study for study in studies if study.episode_id is not None):
        opened += bool(read_slots_open(actor=actor, study=study))
    return opened


def on_studies_received(
    sender: Any, study_ids: frozenset[int], studies: ReceivedStudies | None = None, **kwargs: Any
) -> None:
    """Receiver of ``imaging.intake_signals.studies_received``: open the reads of imaged studies.

    Intake has committed by now; a failure here is logged and must not fail the sender.
    """
    try:
        rows = studies.rows() if studies is not None else None
        read_slots_open_for_studies(actor=Actor.system("reading"), study_ids=study_ids, studies=rows)
    except Exception:
        logger.exception("Opening reads failed for %d studies", len(study_ids))


def slot_create(*, study: Study, role: str) -> ReadSlot | None:
    """One read slot of a study, its ordering key copied from the AI result; None if it exists."""
    episode = study.episode
    assert episode is not None
    triage = study_triage(study=study, campaign=episode.campaign)
    priors = Study.objects.filter(patient_id=episode.patient_id).exclude(pk=study.pk)
    slot, created = ReadSlot.objects.get_or_create(
        study=study,
        role=role,
        defaults={
            "episode": episode,
            "campaign_id": episode.campaign_id,
            "band_rank": triage.band_rank,
            "ai_score": triage.score,
            "score_rank": triage.score_rank,
            "waiting_since": episode.imaged_at or timezone.now(),
            "priors_available": priors.filter(created_at__lt=study.created_at).exists(),
        },
    )
    return slot if created else None


def locked_study_slots(slot: ReadSlot) -> tuple[ReadSlot, list[ReadSlot]]:
    """The slot and its siblings (every slot of its study), locked in id order: one signer at a time."""
    slots = list(
        ReadSlot.objects.select_for_update()
        .filter(study_id=slot.study_id)
        .select_related("campaign__programme", "episode")
        .order_by("id")
    )
    target = next((s for s in slots if s.pk == slot.pk), None)
    if target is None:
        raise ValidationError("This read no longer exists.")
    return target, [s for s in slots if s.pk != target.pk]


def reader_refusal(*, actor: Actor, slot: ReadSlot, siblings: list[ReadSlot], now: datetime) -> None:
    """Raise why this reader may not take this read now; return when they may.

    PermissionDenied: not a radiologist (the role itself: a superuser flag reads nothing), or not
    assigned to the campaign. ReadRefused: the read is signed, claimed by someone else, the reader
    has read this study already, or the episode is no longer awaiting reads.
    """
    user = actor.user
    if user is None or not role_grants(user, SIGN_PERMISSION):
        raise PermissionDenied("Only radiologists sign reads.")
    if not is_assigned(campaign=slot.campaign, user_id=user.pk):
        raise PermissionDenied("You are not assigned to this campaign.")
    if slot.status != ReadSlotStatus.OPEN:
        raise ReadRefused("This read is already signed.")
    # An arbitration opened by an amendment may change a result already issued.
    awaiting = {EpisodeStatus.IMAGED} | (
        {EpisodeStatus.RESULT_ISSUED} if slot.role == ReadRole.ARBITRATION else set()
    )
    if slot.episode.status not in awaiting:
        raise ReadRefused(
            f"This episode is {slot.episode.get_status_display().lower()}; it takes no new reads."
        )
    if slot.claim_active(now) and slot.claimed_by_id != user.pk:
        raise ReadRefused("Another reader has this study open; it is theirs until they sign or release it.")
    if any(
        s.signed_by_id == user.pk or (s.claim_active(now) and s.claimed_by_id == user.pk) for s in siblings
    ):
        raise ReadRefused(
            "You have read or opened this study in another role; double reading needs different readers."
        )


def is_assigned(*, campaign: Campaign, user_id: int) -> bool:
    return campaign.assigned_staff.filter(pk=user_id).exists()


def ai_shown_to_reader(slot: ReadSlot) -> bool:
    """Whether the reading view and the API show the AI result of this open read (the choice the
    episode recorded when it was imaged, and an AI score being there); what was shown to a
    claimant is kept on the slot."""
    shown = slot.episode.reading_settings.ai_shown_to_readers
    return slot.campaign.ai_enabled and shown and slot.ai_score is not None


def read_slot_claim(*, actor: Actor, slot: ReadSlot) -> ReadSlot:
    """Claim a read for CLAIM_DURATION (opening the study); claiming one's own claim again extends it.

    The claim records when reading started and whether the AI is shown; a refusal is audited.
    """
    with refusals_audited(actor=actor, act="claim", slot_id=slot.pk):
        return _claim(actor=actor, slot=slot)


@transaction.atomic
def _claim(*, actor: Actor, slot: ReadSlot) -> ReadSlot:
    slot, siblings = locked_study_slots(slot)
    now = timezone.now()
    reader_refusal(actor=actor, slot=slot, siblings=siblings, now=now)
    ai_shown = ai_shown_to_reader(slot)
    if not (slot.claim_active(now) and slot.claimed_by_id == actor.user_id):
        # A reader who saw the AI in their previous claim of this read (released or run out, nobody
        # else's claim since) has seen it, whatever the campaign shows now.
        seen_before = bool(slot.claim_ai_shown) and _last_claimant_id(slot) == actor.user_id
        slot.claimed_by, slot.claimed_at, slot.claim_ai_shown = actor.user, now, ai_shown or seen_before
        _event(slot, ReadSlotEventKind.CLAIMED, actor, now)
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            object_type=READ_SLOT,
            object_id=slot.pk,
            detail={"claimed": True, "ai_shown": ai_shown},
        )
    else:  # once shown during a claim, the AI stays shown for it
        slot.claim_ai_shown = bool(slot.claim_ai_shown) or ai_shown
    slot.claim_expires_at = now + CLAIM_DURATION
    slot.save(update_fields=[*CLAIM_FIELDS, "updated_at"])
    return slot


def read_slot_served(*, actor: Actor, slot: ReadSlot, ai_shown: bool) -> bool:
    """Record that the claimant was served the read with the AI shown (if so); returns whether the
    AI has been shown during the claim. Nothing changes for anyone but the live claimant."""
    if ai_shown and actor.user_id is not None:
        ReadSlot.objects.filter(
            pk=slot.pk,
            status=ReadSlotStatus.OPEN,
            claimed_by_id=actor.user_id,
            claim_expires_at__gt=timezone.now(),
        ).exclude(claim_ai_shown=True).update(claim_ai_shown=True)
    shown = ReadSlot.objects.filter(pk=slot.pk).values_list("claim_ai_shown", flat=True).first()
    slot.claim_ai_shown = shown
    return bool(shown)


def read_slot_release(*, actor: Actor, slot: ReadSlot) -> ReadSlot:
    """Give a claimed read back to the worklist."""
    with refusals_audited(actor=actor, act="release", slot_id=slot.pk):
        return _release(actor=actor, slot=slot)


@transaction.atomic
def _release(*, actor: Actor, slot: ReadSlot) -> ReadSlot:
    slot, _ = locked_study_slots(slot)
    now = timezone.now()
    if (
        slot.status != ReadSlotStatus.OPEN
        or not slot.claim_active(now)
        or slot.claimed_by_id != actor.user_id
    ):
        raise ReadRefused("You do not have this study open.")
    _clear_claim(slot)
    slot.save(update_fields=[*CLAIM_FIELDS, "updated_at"])
    _event(slot, ReadSlotEventKind.RELEASED, actor, now)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=READ_SLOT,
        object_id=slot.pk,
        detail={"claimed": False},
    )
    return slot


def read_slot_skip(*, actor: Actor, slot: ReadSlot, reason: str) -> ReadSlotEvent:
    """Pass on a study with a reason: it leaves this reader's worklist and returns to the others'."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why you skip this study."]})
    with refusals_audited(actor=actor, act="skip", slot_id=slot.pk):
        return _skip(actor=actor, slot=slot, reason=reason)


@transaction.atomic
def _skip(*, actor: Actor, slot: ReadSlot, reason: str) -> ReadSlotEvent:
    slot, siblings = locked_study_slots(slot)
    now = timezone.now()
    reader_refusal(actor=actor, slot=slot, siblings=siblings, now=now)
    if slot.claimed_by_id == actor.user_id:
        _clear_claim(slot)
        slot.save(update_fields=[*CLAIM_FIELDS, "updated_at"])
    event = _event(slot, ReadSlotEventKind.SKIPPED, actor, now, reason=reason)
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=READ_SLOT,
        object_id=slot.pk,
        detail={"skipped": True},
    )
    return event


def _clear_claim(slot: ReadSlot) -> None:
    """End the claim; `claim_ai_shown` stays for the claimant's next claim (see `_claim`)."""
    slot.claimed_by, slot.claimed_at, slot.claim_expires_at = None, None, None


def _last_claimant_id(slot: ReadSlot) -> int | None:
    last = slot.events.filter(kind=ReadSlotEventKind.CLAIMED).order_by("-occurred_at", "-id").first()
    return last.user_id if last is not None else None


def _event(slot: ReadSlot, kind: str, actor: Actor, now: datetime, reason: str = "") -> ReadSlotEvent:
    assert actor.user is not None  # reader_refusal and the claim checks let only users through
    return ReadSlotEvent.objects.create(
        slot=slot, study_id=slot.study_id, kind=kind, user=actor.user, occurred_at=now, reason=reason[:500]
    )
