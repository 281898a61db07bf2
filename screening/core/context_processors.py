"""Navigation per role for the shared layout."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from screening.core.roles import user_role

# (label, url name, permission): a link shows only to users who may open it.
NAVIGATION = [
    ("Home", "home", ""),
    ("Patients", "patients:list", "patients.view_patient"),
    ("Import", "patients:import", "patients.import_patients"),
    ("Campaigns", "campaigns:list", "campaigns.view_campaign"),
    ("Upload images", "imaging:upload", "imaging.upload_study"),
    ("Intake", "imaging:intake", "imaging.view_intakerejection"),
    ("AI jobs", "inference_jobs:console", "inference_jobs.view_inferencejob"),
    ("Worklist", "reading:worklist", "reading.view_worklist"),
    ("Outcomes", "outcomes:unmatched", "outcomes.record_outcome"),
    ("Programme statistics", "statistics", "core.view_aggregates"),
    ("Audit trail", "core:audit_trail", "core.view_auditevent"),
    ("Users", "core:users", "auth.view_user"),
    ("API", "api-docs", "patients.view_patient"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_links": [], "current_role": None}
    urls = {name: reverse(name) for _, name, perm in NAVIGATION if not perm or user.has_perm(perm)}
    links = [
        {"label": label, "url": urls[name], "active": request.path == urls[name]}
        for label, name, _ in NAVIGATION
        if name in urls
    ]
    if user.is_staff:
        links.append({"label": "Administration", "url": reverse("admin:index"), "active": False})
    role = user_role(user)
    return {"nav_links": links, "current_role": role.label if role else "No role"}
