"""Promotion pages: the campaigns' models, one campaign's comparison with its gate, and the
administrator's actions (shadow, promote, roll back)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import message_service_error
from screening.promotion import comparison_selectors, promotion_services
from screening.promotion.forms import PromoteForm, RollBackForm, ShadowModelForm

VIEW_COMPARISON = "promotion.view_model_comparison"
PROMOTE = promotion_services.PROMOTE_PERMISSION


@require_GET
@require_permission(VIEW_COMPARISON)
def campaign_models(request: HttpRequest) -> HttpResponse:
    rows = comparison_selectors.campaigns_models(actor=Actor.from_request(request))
    return render(request, "promotion/list.html", {"rows": rows})


@require_GET
@require_permission(VIEW_COMPARISON)
def comparison(request: HttpRequest, campaign_id: int) -> HttpResponse:
    page = comparison_selectors.comparison_get(actor=Actor.from_request(request), campaign_id=campaign_id)
    return render(
        request,
        "promotion/comparison.html",
        {
            "page": page,
            "may_promote": request.user.has_perm(PROMOTE),
            "shadow_form": ShadowModelForm(
                initial={"model": page.campaign.ai_shadow_model_name}, registered=page.registered
            ),
            "promote_form": PromoteForm(),
            "roll_back_form": RollBackForm(),
        },
    )


@require_POST
@require_permission(PROMOTE)
def shadow_set(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    campaign = comparison_selectors.comparison_campaign_get(actor=actor, campaign_id=campaign_id)
    model = request.POST.get("model", "")
    try:
        promotion_services.shadow_model_set(actor=actor, campaign=campaign, model=model)
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, f"Running {model} in shadow." if model else "No model runs in shadow now.")
    return redirect("promotion:comparison", campaign_id=campaign.pk)


@require_POST
@require_permission(PROMOTE)
def promote(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    campaign = comparison_selectors.comparison_campaign_get(actor=actor, campaign_id=campaign_id)
    form = PromoteForm(request.POST)
    reason = form.cleaned_data["override_reason"] if form.is_valid() else ""
    try:
        event = promotion_services.model_promote(actor=actor, campaign=campaign, override_reason=reason)
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, f"{event.to_model} is now the active model for new studies.")
    return redirect("promotion:comparison", campaign_id=campaign.pk)


@require_POST
@require_permission(PROMOTE)
def roll_back(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    campaign = comparison_selectors.comparison_campaign_get(actor=actor, campaign_id=campaign_id)
    form = RollBackForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        event = promotion_services.model_roll_back(actor=actor, campaign=campaign, reason=reason)
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, f"Rolled back: {event.to_model} is the active model again.")
    return redirect("promotion:comparison", campaign_id=campaign.pk)
