"""A study detached from its episode before any read of it was signed: its open reads go too.

Open reads hold nobody's opinion yet; they are removed (their claims and skips with them, each
removal audited) so the study, attached again to the right episode, gets reads of that episode.
Once a read is signed it is part of a clinical record and the detach is refused.
"""

from typing import Any

from django.core.exceptions import ValidationError

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record_many
from screening.core.models import AuditAction
from screening.reading.models import ReadSlot, ReadSlotEvent, ReadSlotStatus

READ_SLOT = "read_slot"


def read_slots_remove_for_detached_study(*, actor: Actor, study_id: int) -> int:
    """Remove the study's open reads (call inside the detach's transaction); refused if one is signed.
    Returns how many were removed."""
    slots = list(ReadSlot.objects.select_for_update().filter(study_id=study_id).order_by("id"))
    if any(slot.status != ReadSlotStatus.OPEN for slot in slots):
        raise ValidationError("A read of this study has been signed: the study can no longer be detached.")
    if not slots:
        return 0
    ReadSlotEvent.objects.filter(slot__in=slots).delete()
    ReadSlot.objects.filter(pk__in=[slot.pk for slot in slots]).delete()
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(AuditAction.DELETE, READ_SLOT, slot.pk, detail={"study": study_id, "detached": True})
            for slot in slots
        ],
    )
    return len(slots)


def on_study_detaching(sender: Any, actor: Actor, study_id: int, **kwargs: Any) -> None:
    """Receiver of imaging's ``study_detaching`` (inside its transaction: a refusal undoes the detach)."""
    read_slots_remove_for_detached_study(actor=actor, study_id=study_id)
