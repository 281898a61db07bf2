"""Reading pages: the triaged worklist, arbitrations, the reader's history, the reading view with
its sign-off and amendment forms, and the printable episode report.

Thin: fetch from the reader's scope, call the reading services, render. Opening a read claims it
(the service refuses when someone else has it); what a reader may see of the other reads is
decided by `read_selectors.study_reads_for_reader`.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from screening.core.access import AUTHENTICATED, access_denied, require_permission
from screening.core.actors import Actor
from screening.core.form_errors import add_service_errors, message_service_error
from screening.core.roles import role_grants
from screening.imaging.window_presets import window_presets
from screening.reading import signoff_services, slot_services
from screening.reading.arbitration_selectors import arbitration_list
from screening.reading.forms import (
    MAX_FINDINGS,
    AmendmentForm,
    OpinionForm,
    SkipForm,
    WorklistFilterForm,
    findings_formset,
    findings_from,
    findings_initial,
    normal_category,
    opinion_initial,
)
from screening.reading.models import ReadSlot, ReadSlotStatus
from screening.reading.page_selectors import (
    next_read_slot_id,
    reading_view_get,
)
from screening.reading.read_selectors import (
    episode_report,
    opinion_versions,
    read_slot_get,
    reader_agreement,
    reader_history,
)
from screening.reading.worklist_selectors import (
    RESULT_STANDARD_DAYS,
    WorklistFilters,
    reader_campaigns,
    worklist_band_counts,
    worklist_page,
)

WORKLIST = "reading.view_worklist"
SIGN = "reading.sign_read"
REPORT = "reading.view_read_report"
AGGREGATES = "core.view_aggregates"
VIEWER_SIZE = 1024
HISTORY_PAGE_SIZE = 50


@require_GET
@require_permission(WORKLIST)
def worklist(request: HttpRequest) -> HttpResponse:
    """Reads awaiting this reader in AI triage order, with filters, counts per band and page links."""
    actor = Actor.from_request(request)
    campaigns = reader_campaigns(actor=actor)  # once: the filter, the page and the counts share it
    form = WorklistFilterForm(request.GET or None, campaigns=list(campaigns.choices))
    filters, cursor = WorklistFilters(), ""
    if form.is_valid():
        data = form.cleaned_data
        filters = WorklistFilters(
            campaign_id=data["campaign"],
            band=data["band"],
            waiting_more_than_days=data["waiting_days"],
            priors_only=data["priors"],
        )
        cursor = data["cursor"]
    try:
        page = worklist_page(actor=actor, filters=filters, cursor=cursor, campaigns=campaigns)
    except ValidationError as error:
        message_service_error(request, error)
        return redirect("reading:worklist")
    query = request.GET.copy()
    query.pop("cursor", None)
    counts = worklist_band_counts(actor=actor, filters=filters, campaigns=campaigns)
    context = {
        "form": form,
        "page": page,
        "counts": counts,
        "band_links": [(band, count, _band_query(query, band)) for band, count in counts.items()],
        "next_query": f"{query.urlencode()}&cursor={page.next_cursor}" if page.has_next else "",
        "is_later_page": bool(cursor),
        "first_query": query.urlencode(),
        "standard_days": RESULT_STANDARD_DAYS,
    }
    return render(request, "reading/worklist.html", context)


def _band_query(query: QueryDict, band: str) -> str:
    """The worklist's query with `band` for the other filters: a band's count links to its rows."""
    linked = query.copy()
    linked.pop("band", None)
    linked["band"] = band
    return linked.urlencode()


@require_GET
@require_permission(WORKLIST)
def arbitrations(request: HttpRequest) -> HttpResponse:
    """Discordant studies waiting for a third reader (and, on request, those already arbitrated)."""
    include_resolved = request.GET.get("resolved") == "1"
    slots = arbitration_list(actor=Actor.from_request(request), include_resolved=include_resolved)
    page = Paginator(slots, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reading/arbitrations.html",
        {"page": page, "include_resolved": include_resolved, "signed": ReadSlotStatus.SIGNED},
    )


@require_GET
@require_permission(WORKLIST)
def history(request: HttpRequest) -> HttpResponse:
    """What this reader signed, with their agreement with the other reader and with the AI."""
    actor = Actor.from_request(request)
    page = Paginator(reader_history(actor=actor), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reading/history.html", {"page": page, "agreement": reader_agreement(actor=actor)})


@require_GET
@require_permission(WORKLIST)
def next_read(request: HttpRequest) -> HttpResponse:
    """Open the next read of the worklist (not the one the reader is leaving)."""
    try:
        after = int(request.GET.get("after", ""))
    except ValueError:
        after = None
    slot_id = next_read_slot_id(actor=Actor.from_request(request), after_slot_id=after)
    if slot_id is None:
        messages.info(request, "No other study is waiting for you.")
        return redirect("reading:worklist")
    return redirect("reading:read", slot_id)


@require_GET
@require_permission(WORKLIST)
def read(request: HttpRequest, slot_id: int) -> HttpResponse:
    """The reading view; opening an open read claims it for this reader (or says why not)."""
    actor = Actor.from_request(request)
    slot = read_slot_get(actor=actor, slot_id=slot_id)
    claim_refusal = ""
    if slot.status == ReadSlotStatus.OPEN and role_grants(request.user, SIGN):
        try:
            slot = slot_services.read_slot_claim(actor=actor, slot=slot)
        except ValidationError as error:
            claim_refusal = " ".join(error.messages)
        except PermissionDenied as error:  # not assigned to this campaign: view only
            claim_refusal = str(error) or "You may not read this study."
    return _render_read(request, actor, slot, claim_refusal=claim_refusal)


def _render_read(
    request: HttpRequest,
    actor: Actor,
    slot: ReadSlot,
    *,
    claim_refusal: str = "",
    opinion_form: OpinionForm | None = None,
    findings: Any = None,
    amendment_form: AmendmentForm | None = None,
    amendment_findings: Any = None,
    status: int = 200,
) -> HttpResponse:
    view = reading_view_get(actor=actor, slot=slot)
    programme = slot.campaign.programme
    mine_signed = slot.status == ReadSlotStatus.SIGNED and slot.signed_by_id == actor.user_id
    can_sign = (
        slot.status == ReadSlotStatus.OPEN
        and not claim_refusal
        and slot.claimed_by_id == actor.user_id
        and role_grants(request.user, SIGN)
    )
    context: dict[str, Any] = {
        "slot": slot,
        "view": view,
        "study": view.study,
        "ai": view.ai,
        "programme": programme,
        "claim_refusal": claim_refusal,
        "can_sign": can_sign,
        "mine_signed": mine_signed,
        "normal_category": normal_category(programme),
        "viewer_size": VIEWER_SIZE,
        "skip_form": SkipForm(),
        "max_findings": MAX_FINDINGS,
        "slice_data": [
            {"url": reverse("imaging:frame_png", args=[s.instance.pk, s.frame]), "caption": s.caption}
            for s in view.slices
        ],
        "presets": window_presets(view.modality),
    }
    if can_sign:
        # Served to the claimant: the server records whether the AI was shown; signing takes that.
        ai_shown = slot_services.read_slot_served(actor=actor, slot=slot, ai_shown=view.ai_visible)
        context["form"] = opinion_form or OpinionForm(programme=programme, ai_shown=ai_shown)
        context["findings"] = findings or findings_formset(None, programme)
    if mine_signed:
        assert slot.current_opinion is not None
        context["own_versions"] = list(opinion_versions(slot=slot))
        current = slot.current_opinion
        context["amendment_form"] = amendment_form or AmendmentForm(
            programme=programme, ai_shown=current.ai_shown, initial=opinion_initial(current)
        )
        context["amendment_findings"] = amendment_findings or findings_formset(
            None, programme, initial=findings_initial(current)
        )
    return render(request, "reading/read.html", context, status=status)


@require_POST
@require_permission(SIGN)
def sign(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Sign the structured opinion with the reader's password; refusals keep what was typed."""
    actor = Actor.from_request(request)
    slot = read_slot_get(actor=actor, slot_id=slot_id)
    programme = slot.campaign.programme
    # The form asks what the service will record: whether the AI was shown during the claim.
    form = OpinionForm(request.POST, programme=programme, ai_shown=bool(slot.claim_ai_shown))
    findings = findings_formset(request.POST, programme)
    if form.is_valid() and findings.is_valid():
        try:
            signoff_services.read_sign(
                actor=actor,
                slot=slot,
                password=form.cleaned_data["password"],
                opinion=form.opinion(findings_from(findings)),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Signed. The read is locked; amend it if it needs a correction.")
            return redirect("reading:read", slot.pk)
    slot = read_slot_get(actor=actor, slot_id=slot_id)
    if slot.status != ReadSlotStatus.OPEN or slot.claimed_by_id != actor.user_id:
        # Nothing to keep the form for: the read was signed or taken meanwhile, or is not theirs.
        refusals = list(form.non_field_errors()) or ["You do not have this study open; open it again."]
        messages.error(request, " ".join(str(message) for message in refusals))
        return redirect("reading:read", slot.pk)
    return _render_read(request, actor, slot, opinion_form=form, findings=findings, status=400)


@require_POST
@require_permission(SIGN)
def amend(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Amend one's signed read: a new version with a reason, confirmed with the password."""
    actor = Actor.from_request(request)
    slot = read_slot_get(actor=actor, slot_id=slot_id)
    programme = slot.campaign.programme
    current = slot.current_opinion
    form = AmendmentForm(request.POST, programme=programme, ai_shown=bool(current and current.ai_shown))
    findings = findings_formset(request.POST, programme)
    if form.is_valid() and findings.is_valid():
        try:
            signoff_services.read_amend(
                actor=actor,
                slot=slot,
                password=form.cleaned_data["password"],
                opinion=form.opinion(findings_from(findings)),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Amended: a new version of your read is signed; the original is kept.")
            return redirect("reading:read", slot.pk)
    if slot.status != ReadSlotStatus.SIGNED or slot.signed_by_id != actor.user_id:
        refusals = list(form.non_field_errors()) or ["Only the reader who signed a read amends it."]
        messages.error(request, " ".join(str(message) for message in refusals))
        return redirect("reading:read", slot.pk)
    return _render_read(request, actor, slot, amendment_form=form, amendment_findings=findings, status=400)


@require_POST
@require_permission(SIGN)
def release(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Give the study back to the worklist."""
    actor = Actor.from_request(request)
    slot = read_slot_get(actor=actor, slot_id=slot_id)
    try:
        slot_services.read_slot_release(actor=actor, slot=slot)
    except ValidationError as error:
        message_service_error(request, error)
        return redirect("reading:read", slot.pk)
    messages.success(request, "Released: the study is back on the worklist.")
    return redirect("reading:worklist")


@require_POST
@require_permission(SIGN)
def skip(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Pass on the study with a reason; it leaves this reader's worklist."""
    actor = Actor.from_request(request)
    slot = read_slot_get(actor=actor, slot_id=slot_id)
    form = SkipForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why you skip this study.")
        return redirect("reading:read", slot.pk)
    try:
        slot_services.read_slot_skip(actor=actor, slot=slot, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        message_service_error(request, error)
        return redirect("reading:read", slot.pk)
    messages.success(request, "Skipped: the study goes to the other readers.")
    return redirect("reading:worklist")


@require_GET
@require_permission(AUTHENTICATED)
def report(request: HttpRequest, episode_id: int) -> HttpResponse:
    """An episode's signed result, printable: readers and coordinators; auditors without identifiers."""
    if not (request.user.has_perm(REPORT) or request.user.has_perm(AGGREGATES)):
        access_denied(request, f"{REPORT} or {AGGREGATES}")
    episode_report_ = episode_report(actor=Actor.from_request(request), episode_id=episode_id)
    context = {
        "report": episode_report_,
        "episode": episode_report_.episode,
        "show_identifiers": request.user.has_perm("patients.view_patient"),
        "rows": [(slot, episode_report_.versions.get(slot.pk, [])) for slot in episode_report_.slots],
    }
    return render(request, "reading/report.html", context)
