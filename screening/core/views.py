"""The audit trail."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from screening.core.access import require_permission
from screening.core.audit_selectors import audit_chain_verify, audit_events_filtered
from screening.core.models import AuditAction


@require_permission("core.view_auditevent")
def audit_trail(request: HttpRequest) -> HttpResponse:
    """The audit trail, newest first, with filters and an on-demand chain check."""
    events = audit_events_filtered(
        action=request.GET.get("action", ""),
        object_type=request.GET.get("object_type", "")[:64],
        actor_username=request.GET.get("actor", "")[:150],
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    report = audit_chain_verify() if request.method == "POST" else None
    return render(
        request,
        "core/audit_trail.html",
        {"page": page, "report": report, "actions": AuditAction.choices, "filters": request.GET},
    )
