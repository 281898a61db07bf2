"""The outcome page of an episode: its truth, records and history, and the coordinator's forms."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from screening.campaigns.models import Episode, EpisodeResult
from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import add_service_errors, message_service_error
from screening.outcomes import outcome_services
from screening.outcomes.forms import AssessmentForm, PathologyForm, WithdrawForm
from screening.outcomes.outcome_selectors import episode_outcome, outcome_episode_get, outcome_record_get

VIEW, RECORD = "outcomes.view_outcome", "outcomes.record_outcome"


@require_permission(VIEW)
def episode_outcome_page(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = outcome_episode_get(actor=Actor.from_request(request), episode_id=episode_id)
    return _page(request, episode)


@require_POST
@require_permission(RECORD)
def assessment_submit(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    episode = outcome_episode_get(actor=actor, episode_id=episode_id)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            outcome_services.assessment_record(actor=actor, episode=episode, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Assessment recorded.")
            return redirect("outcomes:episode", episode.pk)
    return _page(request, episode, assessment_form=form, status=400)


@require_POST
@require_permission(RECORD)
def pathology_submit(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    episode = outcome_episode_get(actor=actor, episode_id=episode_id)
    side = request.POST.get("form_side", "")  # which side's form was sent: its fields' prefix
    per_side = episode.campaign.programme.results_per_side
    form = PathologyForm(request.POST, per_side=per_side, side=side if side in ("R", "L") else "")
    if form.is_valid():
        try:
            outcome_services.pathology_record(actor=actor, episode=episode, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Pathology recorded.")
            return redirect("outcomes:episode", episode.pk)
    return _page(request, episode, failed_pathology=form, status=400)


@require_POST
@require_permission(RECORD)
def record_withdraw(request: HttpRequest, episode_id: int, record_type: str, record_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    episode = outcome_episode_get(actor=actor, episode_id=episode_id)
    record = outcome_record_get(episode=episode, record_type=record_type, record_id=record_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason the record was entered in error.")
        return redirect("outcomes:episode", episode.pk)
    try:
        outcome_services.outcome_withdraw(actor=actor, record=record, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, "Record withdrawn as entered in error.")
    return redirect("outcomes:episode", episode.pk)


def _page(
    request: HttpRequest,
    episode: Episode,
    *,
    assessment_form: forms.Form | None = None,
    failed_pathology: PathologyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    per_side = episode.campaign.programme.results_per_side
    sides = ["R", "L"] if per_side else [""]
    pathology_forms = [PathologyForm(per_side=per_side, side=side) for side in sides]
    if failed_pathology is not None:
        pathology_forms = [
            failed_pathology if form.prefix == failed_pathology.prefix else form for form in pathology_forms
        ]
    context: dict[str, Any] = {
        "episode": episode,
        "outcome": episode_outcome(episode=episode),
        "recalled": episode.result == EpisodeResult.RECALL,
        "assessment_form": assessment_form or AssessmentForm(),
        "pathology_forms": pathology_forms,
    }
    return render(request, "outcomes/episode.html", context, status=status)
