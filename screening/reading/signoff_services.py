"""Signing a structured opinion, and amending it: the reader's password, one outcome, all or nothing.

Both lock every slot of the study (in id order) before checking anything, so two readers signing
the same read, or the two reads of a pair at once, are serialised: the second sees the first's
signature and is refused, or completes the pair. The database backs the checks (one slot per
study and role, one read per reader and study, one opinion per version; signed opinions locked).
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from screening.campaigns.models import EpisodeStatus
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.core.password_recheck import PasswordRecheck, password_recheck
from screening.core.roles import role_grants
from screening.reading.models import (
    BAND_BY_RANK,
    ReadFinding,
    ReadOpinion,
    ReadSlot,
    ReadSlotEvent,
    ReadSlotEventKind,
    ReadSlotStatus,
)
from screening.reading.opinion_rules import OpinionInput, opinion_errors
from screening.reading.read_decisions import reads_advance
from screening.reading.read_signals import read_signed
from screening.reading.refusal_audit import PasswordLockedOut, PasswordRefused, ReadRefused, refusals_audited
from screening.reading.slot_services import (
    CLAIM_FIELDS,
    SIGN_PERMISSION,
    is_assigned,
    locked_study_slots,
    reader_refusal,
)

READ_OPINION = "read_opinion"


def password_confirmed(*, actor: Actor, password: str) -> None:
    """Raise unless `password` is the acting user's; checked outside the act's transaction, before
    any row is locked, so that a wrong password counts towards the lock-out."""
    check = password_recheck(actor=actor, password=password)
    if check == PasswordRecheck.LOCKED_OUT:
        raise PasswordLockedOut(
            {"password": ["Too many wrong passwords: you are locked out for now; an admin can unlock you."]}
        )
    if check != PasswordRecheck.CONFIRMED:
        raise PasswordRefused({"password": ["Your password did not match; the read is not signed."]})


def read_sign(*, actor: Actor, slot: ReadSlot, password: str, opinion: OpinionInput) -> ReadOpinion:
    """Sign a read the reader has open (their live claim) with their password; it is then locked,
    and the policy's next step runs. A refusal is audited."""
    with refusals_audited(actor=actor, act="sign", slot_id=slot.pk):
        password_confirmed(actor=actor, password=password)
        return _sign(actor=actor, slot=slot, opinion=opinion)


@transaction.atomic
def _sign(*, actor: Actor, slot: ReadSlot, opinion: OpinionInput) -> ReadOpinion:
    slot, siblings = locked_study_slots(slot)
    now = timezone.now()
    reader_refusal(actor=actor, slot=slot, siblings=siblings, now=now)
    if not slot.claim_active(now) or slot.claimed_by_id != actor.user_id or slot.claimed_at is None:
        raise ReadRefused("Open this study in the reading view before signing it (or open it again).")
    # What the reader was served during the claim, recorded by the server, not the settings now.
    ai_shown = bool(slot.claim_ai_shown)
    errors = opinion_errors(programme=slot.campaign.programme, opinion=opinion, ai_shown=ai_shown)
    if errors is not None:
        raise errors
    assert actor.user is not None  # reader_refusal lets only users through
    reading_seconds = max(0, int((now - slot.claimed_at).total_seconds()))
    signed = _opinion_create(
        slot, actor, opinion, now, version=1, ai_shown=ai_shown, reading_seconds=reading_seconds
    )
    slot.status, slot.signed_by, slot.signed_at, slot.current_opinion = (
        ReadSlotStatus.SIGNED,
        actor.user,
        now,
        signed,
    )
    slot.claimed_by, slot.claimed_at, slot.claim_expires_at = None, None, None
    slot.save(
        update_fields=["status", "signed_by", "signed_at", "current_opinion", *CLAIM_FIELDS, "updated_at"]
    )
    ReadSlotEvent.objects.create(
        slot=slot, study_id=slot.study_id, kind=ReadSlotEventKind.SIGNED, user=actor.user, occurred_at=now
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=READ_OPINION,
        object_id=signed.pk,
        detail={"slot": slot.pk, "episode": slot.episode_id, "role": slot.role, "version": 1},
    )
    reads_advance(actor=actor, slots=sorted([slot, *siblings], key=lambda s: s.pk))
    read_signed.send(
        sender=ReadOpinion,
        study_id=slot.study_id,
        episode_id=slot.episode_id,
        opinion_id=signed.pk,
        amended=False,
    )
    return signed


def read_amend(
    *, actor: Actor, slot: ReadSlot, password: str, opinion: OpinionInput, reason: str
) -> ReadOpinion:
    """Correct one's signed read: a new version with a reason (both kept); the result is recomputed.
    A refusal is audited."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why you amend this read."]})
    with refusals_audited(actor=actor, act="amend", slot_id=slot.pk):
        password_confirmed(actor=actor, password=password)
        return _amend(actor=actor, slot=slot, opinion=opinion, reason=reason)


@transaction.atomic
def _amend(*, actor: Actor, slot: ReadSlot, opinion: OpinionInput, reason: str) -> ReadOpinion:
    slot, siblings = locked_study_slots(slot)
    now = timezone.now()
    user = actor.user
    if (
        user is None
        or not role_grants(user, SIGN_PERMISSION)
        or not is_assigned(campaign=slot.campaign, user_id=user.pk)
    ):
        raise PermissionDenied("Only an assigned radiologist amends reads.")
    if slot.status != ReadSlotStatus.SIGNED or slot.current_opinion is None:
        raise ReadRefused("Only a signed read can be amended.")
    if slot.signed_by_id != user.pk:
        raise PermissionDenied("Only the reader who signed a read amends it.")
    if slot.episode.status not in (EpisodeStatus.IMAGED, EpisodeStatus.RESULT_ISSUED):
        raise ReadRefused(
            f"This episode is {slot.episode.get_status_display().lower()}; its reads are final."
        )
    previous = slot.current_opinion
    errors = opinion_errors(programme=slot.campaign.programme, opinion=opinion, ai_shown=previous.ai_shown)
    if errors is not None:
        raise errors
    assert user is not None
    amended = _opinion_create(
        slot,
        actor,
        opinion,
        now,
        version=previous.version + 1,
        ai_shown=previous.ai_shown,
        reading_seconds=None,
        amendment_reason=reason,
    )
    slot.current_opinion = amended
    slot.save(update_fields=["current_opinion", "updated_at"])
    ReadSlotEvent.objects.create(
        slot=slot,
        study_id=slot.study_id,
        kind=ReadSlotEventKind.AMENDED,
        user=user,
        occurred_at=now,
        reason=reason[:500],
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=READ_OPINION,
        object_id=amended.pk,
        detail={
            "slot": slot.pk,
            "episode": slot.episode_id,
            "version": amended.version,
            "supersedes": previous.pk,
        },
    )
    reads_advance(actor=actor, slots=sorted([slot, *siblings], key=lambda s: s.pk))
    read_signed.send(
        sender=ReadOpinion,
        study_id=slot.study_id,
        episode_id=slot.episode_id,
        opinion_id=amended.pk,
        amended=True,
    )
    return amended


def _opinion_create(
    slot: ReadSlot,
    actor: Actor,
    opinion: OpinionInput,
    now: datetime,
    *,
    version: int,
    ai_shown: bool,
    reading_seconds: int | None,
    amendment_reason: str = "",
) -> ReadOpinion:
    assert actor.user is not None
    signed = ReadOpinion.objects.create(
        slot=slot,
        version=version,
        reader=actor.user,
        signed_at=now,
        result=opinion.result,
        categories={side: code for side, code in opinion.categories.items() if code},
        ai_agreement=opinion.ai_agreement if ai_shown else "",
        ai_disagreement_reason=opinion.ai_disagreement_reason.strip()[:500] if ai_shown else "",
        comment=opinion.comment.strip(),
        reading_seconds=reading_seconds,
        ai_shown=ai_shown,
        ai_band=BAND_BY_RANK[slot.band_rank],
        ai_score=slot.ai_score,
        amendment_reason=amendment_reason[:500],
    )
    ReadFinding.objects.bulk_create(
        [
            ReadFinding(
                opinion=signed,
                category=f.category,
                side=f.side,
                quadrant=f.quadrant,
                clock_face=f.clock_face,
                depth=f.depth,
                lobe=f.lobe,
                size_mm=f.size_mm,
                nodule_type=f.nodule_type,
                description=f.description.strip()[:500],
            )
            for f in opinion.findings
        ]
    )
    return signed
