"""Fetching one object of patient data from the actor's scope, with the read audited."""

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome

M = TypeVar("M", bound=Model)


def audited_get(
    *,
    actor: Actor,
    queryset: QuerySet[M],
    object_id: int,
    object_type: str,
    missing: str,
    audit_view: bool = True,
    detail: dict[str, Any] | None = None,
) -> M:
    """One object of the actor's scope, its view audited; a 404, audited as denied, otherwise.

    Out of scope and non-existent look alike to the caller, so the 404 leaks nothing.
    """
    found = queryset.filter(pk=object_id).first()
    if found is None:
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type=object_type,
            object_id=object_id,
            outcome=AuditOutcome.DENIED,
            detail=detail,
        )
        raise Http404(missing)
    if audit_view:
        audit_record(actor=actor, action=AuditAction.VIEW, object_type=object_type, object_id=found.pk)
    return found
