"""The monitoring page (auditors and admins): drift, CUSUM charts, the alert timeline; acknowledging
and closing an alert with a note."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import message_service_error
from screening.monitoring import alert_services, monitoring_charts
from screening.monitoring.models import MonitoringAlert
from screening.monitoring.monitoring_selectors import alert_get, monitoring_view

VIEW_MONITORING = "monitoring.view_monitoring"
# The page draws the latest weeks (the figures are computed on the whole history; the API has it all).
PAGE_WEEKS = 26


@require_GET
@require_permission(VIEW_MONITORING)
def overview(request: HttpRequest) -> HttpResponse:
    """One model version at one site: score drift, bands and failures, CUSUM, header mix, alerts."""
    view = monitoring_view(
        user=request.user, model_key=request.GET.get("model", ""), site=request.GET.get("site", "")
    )
    charts = [monitoring_charts.timeline_chart(view.open_alerts + view.closed_alerts)]
    recent = view.score_weeks[-PAGE_WEEKS:]
    if recent:
        charts += [monitoring_charts.score_drift_chart(recent), monitoring_charts.bands_chart(recent)]
    charts += [monitoring_charts.cusum_chart(chart, PAGE_WEEKS) for chart in view.charts]
    charts += [
        monitoring_charts.header_chart(attribute, weeks[-PAGE_WEEKS:])
        for attribute, weeks in view.header_weeks.items()
    ]
    context = {"view": view, "board": {"charts": charts}, "page_weeks": PAGE_WEEKS}
    return render(request, "monitoring/overview.html", context)


def _alert_action(request: HttpRequest, alert_id: int, action: str) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        alert = alert_get(user=request.user, pk=alert_id)
    except MonitoringAlert.DoesNotExist as missing:
        raise Http404("No such alert.") from missing
    service = alert_services.alert_acknowledge if action == "acknowledged" else alert_services.alert_close
    try:
        service(alert=alert, actor=actor, note=request.POST.get("note", ""))
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, f"Alert {alert.pk} {action}.")
    return redirect("monitoring:overview")


@require_POST
@require_permission("monitoring.acknowledge_alert")
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _alert_action(request, alert_id, "acknowledged")


@require_POST
@require_permission("monitoring.close_alert")
def alert_close(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _alert_action(request, alert_id, "closed")
