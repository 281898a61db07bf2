"""CSV import pages: upload a file, review it row by row, then import it (all or valid rows) or discard."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.csv_upload import uploaded_csv_preview
from screening.core.form_errors import message_service_error
from screening.patients import patient_import_services as imports
from screening.patients.patient_import_rows import COLUMN_NAMES, COLUMNS, MAX_STORED_PROBLEMS

IMPORT_ALL, IMPORT_VALID, DISCARD = "import_all", "import_valid", "discard"


@require_permission("patients.import_patients")
def import_upload(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    problems: list[str] = []
    if request.method == "POST":
        patient_import, problems = uploaded_csv_preview(
            request,
            lambda upload: imports.patient_import_preview(
                actor=actor, uploaded_file_or_bytes=upload, filename=upload.name or ""
            ),
        )
        if patient_import is not None:
            return redirect("patients:import_preview", patient_import.pk)
    return render(request, "patients/import_upload.html", _upload_context(actor, problems))


@require_permission("patients.import_patients")
def import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient_import = imports.patient_import_get(actor=actor, import_id=import_id)
    header, rows = imports.patient_import_sample(actor=actor, patient_import=patient_import)
    context = {
        "patient_import": patient_import,
        "header": header,
        "rows_page": Paginator(rows, 50).get_page(request.GET.get("page")),
        "problems_page": Paginator(patient_import.errors, 100).get_page(request.GET.get("problems")),
        "problems_truncated": len(patient_import.errors) >= MAX_STORED_PROBLEMS,
        "decisions": {"import_all": IMPORT_ALL, "import_valid": IMPORT_VALID, "discard": DISCARD},
    }
    return render(request, "patients/import_preview.html", context)


@require_POST
@require_permission("patients.import_patients")
def import_confirm(request: HttpRequest, import_id: int) -> HttpResponse:
    """Carry out the decision taken on the preview page: import all, import the valid rows, discard."""
    actor = Actor.from_request(request)
    patient_import = imports.patient_import_get(actor=actor, import_id=import_id)
    decision = request.POST.get("decision")
    try:
        if decision == DISCARD:
            imports.patient_import_discard(actor=actor, patient_import=patient_import)
            messages.success(request, "Import discarded; the uploaded file was deleted.")
            return redirect("patients:import")
        if decision == IMPORT_VALID and request.POST.get("confirm_valid_only") != "yes":
            raise ValidationError("Tick the box to confirm that the invalid rows are left out.")
        if decision not in (IMPORT_ALL, IMPORT_VALID):
            raise ValidationError("Choose whether to import the rows or discard the file.")
        done = imports.patient_import_commit(
            actor=actor, patient_import=patient_import, valid_rows_only=decision == IMPORT_VALID
        )
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, f"{done.imported_count} participants imported.")
    return redirect("patients:import_preview", patient_import.pk)


def _upload_context(actor: Actor, problems: list[str]) -> dict[str, Any]:
    return {
        "problems": problems,
        "columns": COLUMNS,
        "sample_header": ",".join(COLUMN_NAMES),
        "max_megabytes": settings.PATIENT_IMPORT_MAX_BYTES // 1024 // 1024,
        "max_rows": settings.PATIENT_IMPORT_MAX_ROWS,
        "awaiting": imports.patient_imports_awaiting_decision(actor=actor)[:20],
    }
