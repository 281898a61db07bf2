"""The four roles, what each may do, and the backend that grants it.

The permissions of a role are declared here, in code, so they are reviewed like code; the roles
themselves are Django groups a user is a member of. Anything not listed is denied.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models


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
    "outcomes.view_outcome",
    "outcomes.record_outcome",
    "outcomes.import_registry",
    "research.request_export",
    "outbound.view_outboundjob",
    "outbound.change_outboundjob",
    "policies.add_policyscenario",
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
    "outcomes.view_outcome",
}
_AUDITOR = {
    "core.view_auditevent",
    "core.view_aggregates",
    "promotion.view_model_comparison",
    "monitoring.view_monitoring",
    "monitoring.acknowledge_alert",
}
# Closing a monitoring alert ends the record of a safety finding: the administrator's alone.
_MONITORING_ADMINISTRATION = {"monitoring.close_alert"}
# Every research export (others see their own) and their re-identification table: the administrator's alone.
_RESEARCH_ADMINISTRATION = {"research.view_exportjob", "research.view_reidentification"}
# Running a model version in shadow, promoting it and rolling back: the administrator's alone.
_MODEL_ADMINISTRATION = {"promotion.promote_model"}
# Where results leave for the hospital's PACS: the administrator's alone.
_OUTBOUND_ADMINISTRATION = {"outbound.manage_destinations"}
# A saved what-if scenario changes a campaign's thresholds only by an administrator's hand.
_POLICY_ADMINISTRATION = {"policies.apply_policyscenario"}
_USER_ADMINISTRATION = {
    f"auth.{verb}_{model}" for verb in ("view", "add", "change", "delete") for model in ("user", "group")
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COORDINATOR: frozenset(_COORDINATOR),
    Role.RADIOLOGIST: frozenset(_RADIOLOGIST),
    Role.AUDITOR: frozenset(_AUDITOR),
    Role.ADMIN: frozenset(
        _COORDINATOR
        | _AUDITOR
        | _USER_ADMINISTRATION
        | _RESEARCH_ADMINISTRATION
        | _MODEL_ADMINISTRATION
        | _MONITORING_ADMINISTRATION
        | _OUTBOUND_ADMINISTRATION
        | _POLICY_ADMINISTRATION
    ),
}

# When a user holds several roles, the first here names them in the audit trail.
ROLE_PRECEDENCE = [Role.ADMIN, Role.COORDINATOR, Role.RADIOLOGIST, Role.AUDITOR]


@dataclass(frozen=True)
class RoleConflict:
    """Two roles one person should not hold together, and why (docs/decisions/0007)."""

    roles: frozenset[str]
    reason: str

    @property
    def key(self) -> str:
        return "+".join(sorted(self.roles))


# Separation of duties: the auditor checks the work of the other roles, and the administrator,
# who grants roles, reads no studies. A coordinator who also reads is allowed (small units).
ROLE_CONFLICTS = [
    RoleConflict(
        frozenset({Role.AUDITOR, Role.RADIOLOGIST}),
        "an auditor who reads would audit the accuracy of their own reads",
    ),
    RoleConflict(
        frozenset({Role.AUDITOR, Role.COORDINATOR}),
        "an auditor who coordinates would audit the programme they run",
    ),
    RoleConflict(
        frozenset({Role.AUDITOR, Role.ADMIN}),
        "an auditor who administers would audit their own changes to users and settings",
    ),
    RoleConflict(
        frozenset({Role.ADMIN, Role.RADIOLOGIST}),
        "an administrator who reads could grant themselves reading rights and arbitration",
    ),
]


def role_conflicts(role_names: Iterable[str]) -> list[RoleConflict]:
    """The conflicting combinations among these roles, in the order declared."""
    held = set(role_names)
    return [conflict for conflict in ROLE_CONFLICTS if conflict.roles <= held]


@dataclass(frozen=True)
class UserAccess:
    """What a user holds: their role groups and the permissions granted in the database."""

    role_names: frozenset[str]
    user_permissions: frozenset[str]  # granted to the user in the admin site ("app.codename")
    group_permissions: frozenset[str]  # granted to their groups in the admin site


_ROLE, _USER_PERMISSION, _GROUP_PERMISSION = "role", "user", "group"


def user_access(user: Any) -> UserAccess:
    """The user's roles and database permissions in one query, cached on the user for the request."""
    cached = getattr(user, "_access", None)
    if cached is not None:
        return cached
    held: dict[str, set[str]] = {_ROLE: set(), _USER_PERMISSION: set(), _GROUP_PERMISSION: set()}
    params = [_USER_PERMISSION, user.pk, _GROUP_PERMISSION, user.pk, _ROLE, user.pk, *Role.values]
    with connection.cursor() as cursor:  # every request checks permissions: SQL composed once
        cursor.execute(_access_sql(connection.vendor, len(Role.values)), params)
        for kind, app_label, name in cursor.fetchall():
            held[kind].add(name if kind == _ROLE else f"{app_label}.{name}")
    user._access = UserAccess(
        role_names=frozenset(held[_ROLE]),
        user_permissions=frozenset(held[_USER_PERMISSION]),
        group_permissions=frozenset(held[_GROUP_PERMISSION]),
    )
    return user._access


@functools.cache
def _access_sql(vendor: str, role_count: int) -> str:
    """The permissions granted to a user, to their groups, and their role groups, in one UNION ALL
    (what the ORM's union of three querysets compiled to, without compiling it on every request)."""
    quote = connection.ops.quote_name
    user_model = get_user_model()
    granted, member, group_grants = (  # ManyToManyFields (typed loosely by get_field)
        cast(Any, model._meta.get_field(name))
        for model, name in ((user_model, "user_permissions"), (user_model, "groups"), (Group, "permissions"))
    )
    of_group, group_permission = quote(group_grants.m2m_column_name()), quote(group_grants.m2m_reverse_name())
    permission, content_type = quote(Permission._meta.db_table), quote(ContentType._meta.db_table)
    memberships = quote(member.m2m_db_table())
    of_user, member_group = quote(member.m2m_column_name()), quote(member.m2m_reverse_name())
    # The models' own table and column names (S608).
    codenames = f"SELECT %s, c.app_label, p.codename FROM {permission} p"  # noqa: S608
    codenames += f" INNER JOIN {content_type} c ON p.content_type_id = c.id"
    by_user = (
        f"INNER JOIN {quote(granted.m2m_db_table())} g ON g.{quote(granted.m2m_reverse_name())} = p.id"
        f" WHERE g.{quote(granted.m2m_column_name())} = %s"
    )
    by_group = (
        f"INNER JOIN {quote(group_grants.m2m_db_table())} gg ON gg.{group_permission} = p.id"
        f" INNER JOIN {memberships} m ON m.{member_group} = gg.{of_group}"
        f" WHERE m.{of_user} = %s"
    )
    roles = f"SELECT %s, '', r.name FROM {quote(Group._meta.db_table)} r"  # noqa: S608
    roles += f" INNER JOIN {memberships} m ON m.{member_group} = r.id WHERE m.{of_user} = %s"
    roles += f" AND r.name IN ({', '.join(['%s'] * role_count)})"
    return f"{codenames} {by_user} UNION ALL {codenames} {by_group} UNION ALL {roles}"


def user_role_names(user: Any) -> set[str]:
    """The role groups a user belongs to (an administrator's too, when a superuser)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    names = set(user_access(user).role_names)
    if user.is_superuser:
        names.add(Role.ADMIN)
    return names


def role_grants(user: Any, perm: str) -> bool:
    """Whether one of the user's role groups grants `perm`: the rule for clinical acts (claim, sign,
    amend, arbitrate), which neither a superuser flag nor a permission granted ad hoc confers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(perm in ROLE_PERMISSIONS.get(name, frozenset()) for name in user_access(user).role_names)


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
    """Django's model backend plus the permissions that the user's roles grant.

    The database's grants and the roles are read together (`user_access`: one query, not
    Django's two plus one for the roles); a superuser keeps Django's "every permission".
    """

    def get_user_permissions(self, user_obj, obj=None):  # type: ignore[no-untyped-def]
        if not _holds_permissions(user_obj, obj):
            return set()
        if user_obj.is_superuser:
            return super().get_user_permissions(user_obj, obj)
        return set(user_access(user_obj).user_permissions)

    def get_group_permissions(self, user_obj, obj=None):  # type: ignore[no-untyped-def]
        if not _holds_permissions(user_obj, obj):
            return set()
        granted = (
            set(super().get_group_permissions(user_obj, obj))
            if user_obj.is_superuser
            else set(user_access(user_obj).group_permissions)
        )
        for name in user_role_names(user_obj):
            granted |= ROLE_PERMISSIONS.get(name, frozenset())
        return granted


def _holds_permissions(user: Any, obj: Any) -> bool:
    """Django's rule: inactive and anonymous users hold none, and none is per object."""
    return user.is_active and not user.is_anonymous and obj is None
