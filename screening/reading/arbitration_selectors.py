"""The arbitration list: discordant studies in a reader's campaigns, awaiting a third reader."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.reading.models import ReadRole, ReadSlot, ReadSlotStatus
from screening.reading.worklist_selectors import READ_SLOT, reader_campaign_ids


def arbitration_list(*, actor: Actor, include_resolved: bool = False) -> QuerySet[ReadSlot]:
    """Discordant studies in the reader's campaigns: arbitrations waiting (oldest first), audited.

    Waiting arbitrations exclude studies this reader read; `include_resolved` adds the signed ones.
    """
    user = actor.user
    if user is None or not user.has_perm("reading.view_worklist"):
        return ReadSlot.objects.none()
    now = timezone.now()
    read_it = ReadSlot.objects.filter(study_id=OuterRef("study_id"), signed_by=user)
    waiting = (
        Q(status=ReadSlotStatus.OPEN)
        & ~Exists(read_it)
        & (Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claim_expires_at__lte=now))
    )
    states = waiting | Q(status=ReadSlotStatus.SIGNED) if include_resolved else waiting
    slots = ReadSlot.objects.filter(
        Q(role=ReadRole.ARBITRATION) & states, campaign_id__in=reader_campaign_ids(actor=actor)
    )
    audit_record(actor=actor, action=AuditAction.LIST, object_type=READ_SLOT, detail={"arbitration": True})
    return slots.select_related("episode__patient", "campaign", "study", "signed_by").order_by(
        "status", "waiting_since", "id"
    )
