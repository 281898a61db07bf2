"""Registry import pages: upload a CSV, review what each row does, then import it all or discard it."""

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
from screening.outcomes import registry_import_services as imports
from screening.outcomes.registry_import_rows import COLUMN_NAMES, COLUMNS

IMPORT, DISCARD = "import", "discard"


@require_permission("outcomes.import_registry")
def registry_import_upload(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    problems: list[str] = []
    if request.method == "POST":
        registry_import, problems = uploaded_csv_preview(
            request,
            lambda upload: imports.registry_import_preview(
                actor=actor, uploaded=upload, filename=upload.name or ""
            ),
        )
        if registry_import is not None:
            return redirect("outcomes:import_preview", registry_import.pk)
    context = {
        "problems": problems,
        "columns": COLUMNS,
        "sample_header": ",".join(COLUMN_NAMES),
        "max_rows": settings.REGISTRY_IMPORT_MAX_ROWS,
        "awaiting": imports.registry_imports_awaiting_decision(actor=actor)[:20],
    }
    return render(request, "outcomes/import_upload.html", context, status=400 if problems else 200)


@require_permission("outcomes.import_registry")
def registry_import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    registry_import = imports.registry_import_get(actor=actor, import_id=import_id)
    rows = imports.registry_import_sample(actor=actor, registry_import=registry_import)
    context = {
        "registry_import": registry_import,
        "rows_page": Paginator(rows, 50).get_page(request.GET.get("page")),
        "problems_page": Paginator(registry_import.errors, 100).get_page(request.GET.get("problems")),
        "decisions": {"import": IMPORT, "discard": DISCARD},
    }
    return render(request, "outcomes/import_preview.html", context)


@require_POST
@require_permission("outcomes.import_registry")
def registry_import_confirm(request: HttpRequest, import_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    registry_import = imports.registry_import_get(actor=actor, import_id=import_id)
    decision = request.POST.get("decision")
    try:
        if decision == DISCARD:
            imports.registry_import_discard(actor=actor, registry_import=registry_import)
            messages.success(request, "Import discarded; the uploaded file was deleted.")
            return redirect("outcomes:import")
        if decision != IMPORT:
            raise ValidationError("Choose whether to import the file or discard it.")
        done = imports.registry_import_commit(actor=actor, registry_import=registry_import)
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(
            request,
            f"{done.new_count} diagnoses recorded, {done.unmatched_count} rows queued as unmatched, "
            f"{done.duplicate_count} duplicates left as they were.",
        )
    return redirect("outcomes:import_preview", registry_import.pk)
