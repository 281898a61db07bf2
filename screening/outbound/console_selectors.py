"""The outbound console's figures and the destinations list (ids, states and errors; no patient
data, so reads are not audited)."""

from dataclasses import dataclass

from django.db.models import Count

from screening.core.actors import Actor
from screening.outbound.models import (
    ACTIVE_STATUSES,
    OutboundDestination,
    OutboundJob,
    OutboundJobQuerySet,
    OutboundStatus,
)


def jobs_visible(*, actor: Actor) -> OutboundJobQuerySet:
    return OutboundJob.objects.visible_to(actor.user)


@dataclass
class OutboundConsole:
    counts: dict[str, int]
    problems: list[OutboundJob]
    active: list[OutboundJob]
    recent: list[OutboundJob]


def outbound_console(*, actor: Actor, limit: int = 50) -> OutboundConsole:
    jobs = jobs_visible(actor=actor).select_related("destination")
    by_status = dict(jobs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return OutboundConsole(
        counts={status.value: by_status.get(status.value, 0) for status in OutboundStatus},
        problems=list(
            jobs.filter(status__in=[OutboundStatus.DEAD, OutboundStatus.WITHHELD]).order_by(
                "-updated_at", "-id"
            )[:limit]
        ),
        active=list(jobs.filter(status__in=ACTIVE_STATUSES).order_by("next_attempt_at", "id")[:limit]),
        recent=list(jobs.filter(status=OutboundStatus.SENT).order_by("-sent_at", "-id")[:limit]),
    )


def destinations_list(*, actor: Actor) -> list[OutboundDestination]:
    """Every destination, for the administrators who configure them."""
    if not actor.has_perm("outbound.manage_destinations"):
        return []
    return list(OutboundDestination.objects.annotate(job_count=Count("jobs")).order_by("name"))


def destination_get(*, actor: Actor, destination_id: int) -> OutboundDestination | None:
    if not actor.has_perm("outbound.manage_destinations"):
        return None
    return OutboundDestination.objects.filter(pk=destination_id).first()
