"""CSV import pages (upload, preview, confirm): being built."""

from django.http import HttpRequest, HttpResponse

from screening.core.access import require_permission


@require_permission("patients.import_patients")
def import_upload(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)


@require_permission("patients.import_patients")
def import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    return HttpResponse(status=501)


@require_permission("patients.import_patients")
def import_confirm(request: HttpRequest, import_id: int) -> HttpResponse:
    return HttpResponse(status=501)
