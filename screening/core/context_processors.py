"""Navigation per role for the shared layout."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from screening.core.roles import user_role

# (label, url name, permissions): a link shows only to users who may open it (any one of them).
NAVIGATION: list[tuple[str, str, str | tuple[str, ...]]] = [
    ("Home", "home", ""),
    ("Patients", "patients:list", "patients.view_patient"),
    ("Import", "patients:import", "patients.import_patients"),
    ("Campaigns", "campaigns:list", "campaigns.view_campaign"),
    ("Upload images", "imaging:upload", "imaging.upload_study"),
    ("Intake", "imaging:intake", "imaging.view_intakerejection"),
    ("AI jobs", "inference_jobs:console", "inference_jobs.view_inferencejob"),
    ("Worklist", "reading:worklist", "reading.view_worklist"),
    ("Outcomes", "outcomes:unmatched", "outcomes.record_outcome"),
    # Auditors see every campaign's figures, coordinators (who run campaigns) their own.
    ("Programme statistics", "statistics", ("core.view_aggregates", "campaigns.change_campaign")),
    ("AI monitoring", "monitoring:overview", "monitoring.view_monitoring"),
    ("Model promotion", "promotion:list", "promotion.view_model_comparison"),
    ("What-if simulator", "policies:simulator", ("core.view_aggregates", "campaigns.change_campaign")),
    ("Research exports", "research:list", "research.request_export"),
    ("PACS sends", "outbound:console", "outbound.view_outboundjob"),
    ("PACS destinations", "outbound:destinations", "outbound.manage_destinations"),
    ("Audit trail", "core:audit_trail", "core.view_auditevent"),
    ("Users", "core:users", "auth.view_user"),
    ("API", "api-docs", "patients.view_patient"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_links": [], "current_role": None}
    urls = {name: reverse(name) for _, name, perms in NAVIGATION if _may_open(user, perms)}
    links = [
        {"label": label, "url": urls[name], "active": request.path == urls[name]}
        for label, name, _ in NAVIGATION
        if name in urls
    ]
    if user.is_staff:
        links.append({"label": "Administration", "url": reverse("admin:index"), "active": False})
    role = user_role(user)
    return {"nav_links": links, "current_role": role.label if role else "No role"}


def _may_open(user: Any, perms: str | tuple[str, ...]) -> bool:
    """No permission needed, or the user holds one of them."""
    if not perms:
        return True
    return any(user.has_perm(perm) for perm in ((perms,) if isinstance(perms, str) else perms))
