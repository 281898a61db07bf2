"""The home page: the open campaigns with their funnels (the statistics dashboard is the statistics app's)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from screening.campaigns.campaign_selectors import campaigns_short_of_readers, campaigns_with_funnels
from screening.core.access import AUTHENTICATED, require_permission
from screening.core.actors import Actor


@require_permission(AUTHENTICATED)
def home(request: HttpRequest) -> HttpResponse:
    """Open campaigns with their funnels, for whoever may see campaigns; coordinators are warned of
    imaged studies that no assigned radiologist can read."""
    actor = Actor.from_request(request)
    campaigns = []
    if request.user.has_perm("campaigns.view_campaign"):
        campaigns = campaigns_with_funnels(actor=actor, open_only=True)
    context = {"campaign_rows": campaigns, "reader_shortfalls": campaigns_short_of_readers(actor=actor)}
    return render(request, "campaigns/home.html", context)
