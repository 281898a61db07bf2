"""Campaign pages: list, create, detail (funnel, cohort, invitations), settings, staff, episodes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from screening.campaigns import campaign_services, episode_services
from screening.campaigns.campaign_selectors import (
    campaign_cohort,
    campaign_episodes,
    campaign_funnel,
    campaign_get,
    campaign_settings_history,
    campaigns_with_funnels,
    episode_get,
    episode_history,
)
from screening.campaigns.campaign_settings_services import campaign_settings_update
from screening.campaigns.episode_workflow import manual_next_statuses
from screening.campaigns.forms import (
    CampaignForm,
    CampaignSettingsForm,
    EpisodeTransitionForm,
    InviteForm,
    StaffForm,
)
from screening.campaigns.models import RECORDED_SETTINGS, CampaignStatus, EpisodeStatus
from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import add_service_errors, message_service_error


@require_permission("campaigns.view_campaign")
def campaign_list_page(request: HttpRequest) -> HttpResponse:
    rows = campaigns_with_funnels(actor=Actor.from_request(request))
    return render(request, "campaigns/list.html", {"campaign_rows": rows})


@require_permission("campaigns.add_campaign")
def campaign_create_page(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_services.campaign_create(
                actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Campaign created as a draft.")
            return redirect("campaigns:detail", campaign.pk)
    return render(request, "campaigns/form.html", {"form": form})


@require_permission("campaigns.view_campaign")
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    status = request.GET.get("status", "")
    status = status if status in EpisodeStatus.values else ""
    episodes = campaign_episodes(actor=actor, campaign=campaign, status=status)
    context = {
        "campaign": campaign,
        "funnel": campaign_funnel(campaign=campaign),
        "page": Paginator(episodes, 50).get_page(request.GET.get("page")),
        "status_filter": status,
        "staff_form": StaffForm(initial={"staff": campaign.assigned_staff.all()}),
        "settings_history": campaign_settings_history(campaign=campaign),
    }
    return render(request, "campaigns/detail.html", context)


@require_permission("campaigns.change_campaign")
def campaign_settings_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Edit the reading policy, AI thresholds, AI shown to readers and staff of a campaign."""
    actor = Actor.from_request(request)
    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    initial = {
        **{name: getattr(campaign, name) for name in RECORDED_SETTINGS},
        "ai_expected_prevalence": campaign.ai_expected_prevalence,
        "staff": campaign.assigned_staff.all(),
    }
    form = CampaignSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_settings_update(actor=actor, campaign=campaign, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Campaign settings saved.")
            return redirect("campaigns:detail", campaign.pk)
    return render(request, "campaigns/settings.html", {"campaign": campaign, "form": form})


@require_POST
@require_permission("campaigns.change_campaign")
def campaign_status(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    try:
        campaign_services.campaign_set_status(
            actor=actor, campaign=campaign, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, "Campaign status changed.")
    return redirect("campaigns:detail", campaign.pk)


@require_POST
@require_permission("campaigns.change_campaign")
def campaign_staff(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    form = StaffForm(request.POST)
    if form.is_valid():
        try:
            campaign_services.campaign_assign_staff(
                actor=actor, campaign=campaign, users=form.cleaned_data["staff"]
            )
        except ValidationError as error:
            message_service_error(request, error)
        else:
            messages.success(request, "Assigned staff saved.")
    else:
        messages.error(request, "Choose existing, active users.")
    return redirect("campaigns:detail", campaign.pk)


@require_permission("campaigns.change_campaign")
def campaign_cohort_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The eligible participants the app proposes, and the bulk invitation."""
    actor = Actor.from_request(request)
    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    if request.method == "POST":
        form = InviteForm(request.POST)
        if form.is_valid():
            chosen = None if form.cleaned_data["invite_all"] else form.cleaned_data["patient_ids"]
            if chosen == []:
                messages.error(request, "Tick the participants to invite, or invite everyone eligible.")
                return redirect("campaigns:cohort", campaign.pk)
            try:
                count = campaign_services.cohort_invite(actor=actor, campaign=campaign, patient_ids=chosen)
            except ValidationError as error:
                message_service_error(request, error)
                return redirect("campaigns:cohort", campaign.pk)
            messages.success(request, f"{count} participant{'s' if count != 1 else ''} invited.")
            return redirect("campaigns:detail", campaign.pk)
        messages.error(request, "The invitation form was not valid.")
    page = Paginator(campaign_cohort(actor=actor, campaign=campaign), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/cohort.html",
        {"campaign": campaign, "page": page, "is_open": campaign.status == CampaignStatus.OPEN},
    )


@require_permission("campaigns.view_episode")
def episode_detail(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = episode_get(actor=Actor.from_request(request), episode_id=episode_id)
    next_statuses = [
        EpisodeStatus(s)
        for s in manual_next_statuses(episode.status, under_review=episode.result_under_review)
    ]
    return render(
        request,
        "campaigns/episode.html",
        {
            "episode": episode,
            "history": episode_history(episode=episode),
            "next_statuses": next_statuses,
            "form": EpisodeTransitionForm(),
        },
    )


@require_POST
@require_permission("campaigns.change_episode")
def episode_transition_submit(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    episode = episode_get(actor=actor, episode_id=episode_id)
    form = EpisodeTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid next status.")
        return redirect("campaigns:episode", episode.pk)
    try:
        episode_services.episode_transition(actor=actor, episode=episode, **form.cleaned_data)
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, "Episode status changed.")
    return redirect("campaigns:episode", episode.pk)
