"""What a reader may see of a study's reads (blind double reading), their history, and reports.

Blindness: a first or second reader sees no other reader's opinion until both have signed; an
arbitrator sees both; the AI result only where the campaign shows it during reading (or once
the reader has signed). Reports show an episode's signed result once the reads decided it.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from screening.campaigns.models import Episode
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.audited_reads import audited_get
from screening.core.models import AuditAction
from screening.imaging.models import Study
from screening.patients.consent_services import ai_consent_withdrawn_at, ai_withheld_reason
from screening.reading.models import EpisodeReadDecision, ReadOpinion, ReadRole, ReadSlot, ReadSlotStatus
from screening.reading.opinion_rules import concordant_result, opinion_summary
from screening.reading.read_decisions import ai_calls_recall
from screening.reading.slot_services import ai_shown_to_reader

READ_SLOT = "read_slot"
READ_REPORT = "read_report"


@dataclass(frozen=True)
class StudyReads:
    """The reads of a study as this reader may see them in the reading view."""

    study: Study
    slots: list[ReadSlot]
    own_slot: ReadSlot | None
    visible_opinions: list[ReadOpinion]
    ai_visible: bool
    ai_withheld_reason: str = ""  # the participant withdrew AI consent: no AI, and this says why


def read_slot_get(*, actor: Actor, slot_id: int) -> ReadSlot:
    """One read slot of the actor's campaigns, audited as a view; 404 (audited) otherwise."""
    return audited_get(
        actor=actor,
        queryset=ReadSlot.objects.filter(episode__in=Episode.objects.visible_to(actor.user)).select_related(
            "episode__patient", "campaign__programme", "study", "current_opinion", "claimed_by", "signed_by"
        ),
        object_id=slot_id,
        object_type=READ_SLOT,
        missing="No such read.",
    )


def study_reads_for_reader(*, actor: Actor, slot: ReadSlot) -> StudyReads:
    """The study's reads as `slot`'s reader sees them; fetch `slot` with read_slot_get (audited)."""
    slots = list(
        ReadSlot.objects.filter(study_id=slot.study_id)
        .select_related("current_opinion", "signed_by", "campaign", "episode")
        .prefetch_related(Prefetch("current_opinion__findings"))
        .order_by("id")
    )
    own = next((s for s in slots if s.pk == slot.pk), slot)
    visible = [s.current_opinion for s in slots if s.current_opinion is not None and _may_see(own, s, actor)]
    # The AI shows while reading when the episode's recorded settings say so; otherwise only to this
    # read's own reader once they have signed (a unit reading unaided first must not see it on
    # another's read).
    ai_visible = ai_shown_to_reader(own) or (
        own.status == ReadSlotStatus.SIGNED and own.signed_by_id == actor.user_id and own.ai_score is not None
    )
    # Withdrawn AI consent hides the AI here whatever was shown before (signed reads keep that record).
    withdrawn_at = ai_consent_withdrawn_at(patient_id=own.episode.patient_id)
    withheld = ai_withheld_reason(withdrawn_at) if withdrawn_at is not None else ""
    return StudyReads(
        study=own.study,
        slots=slots,
        own_slot=own,
        visible_opinions=visible,
        ai_visible=ai_visible and not withheld,
        ai_withheld_reason=withheld,
    )


def _may_see(own: ReadSlot, other: ReadSlot, actor: Actor) -> bool:
    if other.pk == own.pk:
        return other.signed_by_id == actor.user_id
    if other.status != ReadSlotStatus.SIGNED:
        return False
    if own.role == ReadRole.ARBITRATION:
        return True
    if other.role == ReadRole.ARBITRATION:
        return own.status == ReadSlotStatus.SIGNED
    # First and second readers: blind until both have signed.
    return own.status == ReadSlotStatus.SIGNED and own.signed_by_id == actor.user_id


def opinion_versions(*, slot: ReadSlot) -> QuerySet[ReadOpinion]:
    """Every signed version of a read, first first (amendments kept beside the original)."""
    return slot.opinions.select_related("reader").prefetch_related("findings").order_by("version")


@dataclass(frozen=True)
class EpisodeReport:
    """An episode's signed result: the decisions, and each read with its versions."""

    episode: Episode
    decisions: list[EpisodeReadDecision]
    slots: list[ReadSlot]
    versions: dict[int, list[ReadOpinion]] = field(default_factory=dict)
    ai_withheld_reason: str = ""  # the participant withdrew AI consent: the AI's part is not shown

    @property
    def decision(self) -> EpisodeReadDecision | None:
        return self.decisions[-1] if self.decisions else None


def episode_report(*, actor: Actor, episode_id: int) -> EpisodeReport:
    """The episode's signed result and reads, audited as a view; 404 before the reads decided it.

    A reader who still has a read of the episode to do gets a 404 too: reports are not a way
    round blind reading.
    """
    episode = audited_get(
        actor=actor,
        queryset=Episode.objects.visible_to(actor.user).select_related("patient", "campaign__programme"),
        object_id=episode_id,
        object_type=READ_REPORT,
        missing="No such episode report.",
    )
    decisions = list(episode.read_decisions.select_related("study").order_by("decided_at", "id"))
    if not decisions:
        raise Http404("The reads of this episode have not decided its result yet.")
    slots = list(
        episode.read_slots.select_related("signed_by", "current_opinion", "study").order_by("study_id", "id")
    )
    if any(s.status == ReadSlotStatus.OPEN and s.claimed_by_id == actor.user_id for s in slots):
        raise Http404("No such episode report.")
    opinions = (
        ReadOpinion.objects.filter(slot__in=slots).select_related("reader").prefetch_related("findings")
    )
    versions: dict[int, list[ReadOpinion]] = {}
    for opinion in opinions.order_by("slot_id", "version"):
        versions.setdefault(opinion.slot_id, []).append(opinion)
    withdrawn_at = ai_consent_withdrawn_at(patient_id=episode.patient_id)
    return EpisodeReport(
        episode=episode,
        decisions=decisions,
        slots=slots,
        versions=versions,
        ai_withheld_reason=ai_withheld_reason(withdrawn_at) if withdrawn_at is not None else "",
    )


@dataclass(frozen=True)
class ReaderAgreement:
    """A reader's signed reads and how often they agreed with the other reader and with the AI."""

    signed: int
    paired: int
    agreed_with_reader: int
    ai_compared: int
    agreed_with_ai: int

    @property
    def reader_agreement_rate(self) -> float | None:
        return self.agreed_with_reader / self.paired if self.paired else None

    @property
    def ai_agreement_rate(self) -> float | None:
        return self.agreed_with_ai / self.ai_compared if self.ai_compared else None


def reader_history(*, actor: Actor) -> QuerySet[ReadSlot]:
    """What the acting reader signed, newest first, audited as a list."""
    audit_record(actor=actor, action=AuditAction.LIST, object_type=READ_SLOT, detail={"history": True})
    return (
        ReadSlot.objects.filter(signed_by_id=actor.user_id)
        .select_related("episode__patient", "campaign", "current_opinion")
        .order_by("-signed_at", "-id")
    )


def reader_agreement(*, actor: Actor, limit: int = 2000) -> ReaderAgreement:
    """Agreement of the acting reader's latest `limit` first/second reads with their pair and the AI.

    Agreement with the other reader uses the programme's rule (recall vs routine, sides); with the
    AI, the reader's recall decision beside the AI's call at the high threshold the episode recorded.
    """
    mine = list(
        ReadSlot.objects.filter(signed_by_id=actor.user_id, role__in=[ReadRole.FIRST, ReadRole.SECOND])
        .select_related("current_opinion", "campaign__programme", "episode")
        .order_by("-signed_at")[:limit]
    )
    others = {
        s.study_id: s
        for s in ReadSlot.objects.filter(
            study_id__in=[s.study_id for s in mine],
            role__in=[ReadRole.FIRST, ReadRole.SECOND],
            status=ReadSlotStatus.SIGNED,
        )
        .exclude(signed_by_id=actor.user_id)
        .select_related("current_opinion")
    }
    paired = agreed = ai_compared = agreed_ai = 0
    for slot in mine:
        programme, opinion = slot.campaign.programme, slot.current_opinion
        assert opinion is not None
        summary = opinion_summary(programme=programme, result=opinion.result, categories=opinion.categories)
        other = others.get(slot.study_id)
        if other is not None and other.current_opinion is not None:
            paired += 1
            other_summary = opinion_summary(
                programme=programme,
                result=other.current_opinion.result,
                categories=other.current_opinion.categories,
            )
            agreed += concordant_result(summary, other_summary) is not None
        ai_recall = ai_calls_recall(settings=slot.episode.reading_settings, ai_score=opinion.ai_score)
        if ai_recall is not None and opinion.result != "technical_recall":
            ai_compared += 1
            agreed_ai += (opinion.result == "recall") == ai_recall
    return ReaderAgreement(
        signed=len(mine),
        paired=paired,
        agreed_with_reader=agreed,
        ai_compared=ai_compared,
        agreed_with_ai=agreed_ai,
    )
