"""Configuring outbound destinations (administrators): each creation and change audited."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.outbound.models import OutboundDestination

OUTBOUND_DESTINATION = "outbound_destination"
DESTINATION_FIELDS = (
    "name",
    "ae_title",
    "host",
    "port",
    "active",
    "send_ai_results",
    "send_heatmaps",
    "send_reports",
    "on_ai_result_stored",
    "on_result_signed",
    "on_result_amended",
)


@transaction.atomic
def destination_save(
    *, actor: Actor, values: dict[str, Any], destination: OutboundDestination | None = None
) -> OutboundDestination:
    """Create a destination, or change one; `values` are the form's cleaned fields."""
    if not actor.has_perm("outbound.manage_destinations"):
        raise PermissionDenied("Only an administrator configures outbound destinations.")
    creating = destination is None
    target = (
        OutboundDestination()
        if destination is None
        else OutboundDestination.objects.select_for_update().get(
            pk=destination.pk
        )  # as stored, not as edited
    )
    before = {name: getattr(target, name) for name in DESTINATION_FIELDS} if not creating else {}
    for name in DESTINATION_FIELDS:
        setattr(target, name, values[name])
    target.full_clean()
    target.save()
    changed = sorted(name for name in DESTINATION_FIELDS if before.get(name) != getattr(target, name))
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.CHANGE,
        object_type=OUTBOUND_DESTINATION,
        object_id=target.pk,
        detail={"fields": changed},
    )
    return target
