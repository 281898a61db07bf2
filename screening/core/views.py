"""Home per role, programme statistics and the audit trail."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from screening.campaigns.campaign_selectors import campaigns_with_funnels
from screening.core.access import AUTHENTICATED, require_permission
from screening.core.actors import Actor
from screening.core.audit_selectors import audit_chain_verify, audit_events_filtered
from screening.core.models import AuditAction


@require_permission(AUTHENTICATED)
def home(request: HttpRequest) -> HttpResponse:
    """Open campaigns with their funnels, for whoever may see campaigns."""
    actor = Actor.from_request(request)
    campaigns = []
    if request.user.has_perm("campaigns.view_campaign"):
        campaigns = campaigns_with_funnels(actor=actor, open_only=True)
    return render(request, "core/home.html", {"campaign_rows": campaigns})


@require_permission("core.view_aggregates")
def statistics(request: HttpRequest) -> HttpResponse:
    """Aggregate counts per campaign and status: no identifiers."""
    rows = campaigns_with_funnels(actor=Actor.from_request(request))
    return render(request, "core/statistics.html", {"campaign_rows": rows})


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
