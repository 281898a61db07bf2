"""The four roles, what each may do, and the backend that grants it.

The permissions of a role are declared here, in code, so they are reviewed like code; the roles
themselves are Django groups a user is a member of. Anything not listed is denied.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Screening coordinator"
    RADIOLOGIST = "radiologist", "Radiologist"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Administrator"


_COORDINATOR = {
    "patients.view_patient",
    "patients.add_patient",
    "patients.change_patient",
    "patients.import_patients",
    "patients.view_consentevent",
    "patients.record_consent",
    "campaigns.view_campaign",
    "campaigns.add_campaign",
    "campaigns.change_campaign",
    "campaigns.view_episode",
    "campaigns.change_episode",
    "imaging.view_study",
    "imaging.upload_study",
    "imaging.reconcile_study",
    "imaging.view_intakerejection",
    "inference_jobs.view_inferencejob",
    "inference_jobs.change_inferencejob",
    "reading.view_read_report",
}
_RADIOLOGIST = {
    "patients.view_patient",
    "patients.view_consentevent",
    "campaigns.view_campaign",
    "campaigns.view_episode",
    "imaging.view_study",
    "reading.view_worklist",
    "reading.sign_read",
    "reading.view_read_report",
}
_AUDITOR = {
    "core.view_auditevent",
    "core.view_aggregates",
}
_USER_ADMINISTRATION = {
    f"auth.{verb}_{model}" for verb in ("view", "add", "change", "delete") for model in ("user", "group")
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COORDINATOR: frozenset(_COORDINATOR),
    Role.RADIOLOGIST: frozenset(_RADIOLOGIST),
    Role.AUDITOR: frozenset(_AUDITOR),
    Role.ADMIN: frozenset(_COORDINATOR | _AUDITOR | _USER_ADMINISTRATION),
}

# When a user holds several roles, the first here names them in the audit trail.
ROLE_PRECEDENCE = [Role.ADMIN, Role.COORDINATOR, Role.RADIOLOGIST, Role.AUDITOR]


def user_role_names(user: Any) -> set[str]:
    """The role groups a user belongs to (cached on the user object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._role_names = cached
    return cached


def user_role(user: Any) -> Role | None:
    """The role a user acts in, by precedence; None for anonymous users and users with none."""
    names = user_role_names(user)
    for role in ROLE_PRECEDENCE:
        if role in names:
            return role
    return None


def role_group(role: Role) -> Group:
    """The Django group of a role, created on first use."""
    group, _ = Group.objects.get_or_create(name=role.value)
    return group


class RolePermissionBackend(ModelBackend):
    """Django's model backend plus the permissions that the user's roles grant."""

    def get_group_permissions(self, user_obj, obj=None):  # type: ignore[no-untyped-def]
        granted = set(super().get_group_permissions(user_obj, obj))
        for name in user_role_names(user_obj):
            granted |= ROLE_PERMISSIONS.get(name, frozenset())
        return granted
