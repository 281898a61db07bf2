"""Managing user accounts: create, roles, password reset, deactivate, unlock; every act audited.

The administrator manages accounts here rather than in the Django admin (docs/decisions/0007).
Passwords go through Django's validators; a superuser is left to `manage.py` on the server, so
an administrator cannot take one over by resetting its password.
"""

from collections.abc import Iterable
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from screening.core.actors import Actor
from screening.core.api_token_services import api_tokens_end_for_user
from screening.core.audit_services import audit_record
from screening.core.models import ApiTokenEnd, AuditAction
from screening.core.roles import Role, RoleConflict, role_conflicts, role_group

User = get_user_model()
USER = "user"


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[str],
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    conflicts_confirmed: bool = False,
) -> Any:
    """Create an active account with these roles; every problem in the input is reported at once."""
    errors: dict[str, list[str]] = {}
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        user.clean_fields(exclude=["password"])  # username (required, characters), email, names
    except ValidationError as error:
        errors.update(error.message_dict)
    if "username" not in errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    _collect(errors, "password", lambda: password_validation.validate_password(password, user))
    conflicts: list[RoleConflict] = []
    _collect(errors, "roles", lambda: conflicts.extend(_checked_conflicts(roles, conflicts_confirmed)))
    if errors:
        raise ValidationError(errors)
    role_names = _ordered(roles)
    user.is_staff = Role.ADMIN in role_names
    user.set_password(password)
    user.save()
    user.groups.add(*(role_group(Role(name)) for name in role_names))
    detail: dict[str, Any] = {"username": user.get_username(), "roles": role_names}
    if conflicts:
        detail["conflicts_confirmed"] = [conflict.key for conflict in conflicts]
    audit_record(actor=actor, action=AuditAction.CREATE, object_type=USER, object_id=user.pk, detail=detail)
    return user


@transaction.atomic
def user_roles_set(
    *, actor: Actor, user: Any, roles: Iterable[str], conflicts_confirmed: bool = False
) -> None:
    """Give the user exactly these roles; the administrator role carries the Django admin (staff)."""
    _refuse_superuser(user)
    role_names = _ordered(roles)
    if user.pk == actor.user_id and Role.ADMIN not in role_names:
        raise ValidationError({"roles": ["You cannot take your own administrator role away."]})
    try:
        conflicts = _checked_conflicts(role_names, conflicts_confirmed)
    except ValidationError as error:
        raise ValidationError({"roles": error.messages}) from error
    held = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    added, removed = (
        [r for r in role_names if r not in held],
        [r for r in Role.values if r in held - set(role_names)],
    )
    user.groups.remove(*(role_group(Role(name)) for name in removed))
    user.groups.add(*(role_group(Role(name)) for name in added))
    if user.is_staff != (Role.ADMIN in role_names):
        user.is_staff = Role.ADMIN in role_names
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_access", None)  # the roles cached for this request are stale now
    detail: dict[str, Any] = {"change": "roles", "added": added, "removed": removed}
    if conflicts:
        detail["conflicts_confirmed"] = [conflict.key for conflict in conflicts]
    audit_record(actor=actor, action=AuditAction.CHANGE, object_type=USER, object_id=user.pk, detail=detail)


@transaction.atomic
def user_password_reset(*, actor: Actor, user: Any, password: str) -> None:
    """Set a new password (validators applied); the user's other sessions end with the old one."""
    _refuse_superuser(user)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit_change(actor, user, {"change": "password_reset"})
    api_tokens_end_for_user(actor=actor, user=user, reason=ApiTokenEnd.PASSWORD_RESET)


@transaction.atomic
def user_active_set(*, actor: Actor, user: Any, active: bool) -> None:
    """Deactivate (log-ins, sessions and API tokens stop working) or reactivate an account."""
    _refuse_superuser(user)
    if user.pk == actor.user_id:
        raise ValidationError("You cannot deactivate or reactivate your own account.")
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit_change(actor, user, {"change": "reactivated" if active else "deactivated"})
    if not active:
        api_tokens_end_for_user(actor=actor, user=user, reason=ApiTokenEnd.DEACTIVATED)


@transaction.atomic
def user_unlock(*, actor: Actor, user: Any) -> int:
    """Clear django-axes' failed log-ins for this username, ending a lock-out; returns how many."""
    cleared = AxesProxyHandler.reset_attempts(username=user.get_username())
    _audit_change(actor, user, {"change": "unlocked", "attempts_cleared": cleared})
    return cleared


def _audit_change(actor: Actor, user: Any, detail: dict[str, Any]) -> None:
    audit_record(actor=actor, action=AuditAction.CHANGE, object_type=USER, object_id=user.pk, detail=detail)


def _refuse_superuser(user: Any) -> None:
    if user.is_superuser:
        raise ValidationError("A superuser is managed with manage.py on the server, not from this page.")


def _ordered(roles: Iterable[str]) -> list[str]:
    """The roles in their declared order; an unknown name is refused."""
    names = set(roles)
    unknown = sorted(names - set(Role.values))
    if unknown:
        raise ValidationError({"roles": [f"{', '.join(unknown)} is not a role."]})
    return [name for name in Role.values if name in names]


def _checked_conflicts(roles: Iterable[str], confirmed: bool) -> list[RoleConflict]:
    """The conflicting combinations among the roles; refused unless explicitly confirmed."""
    conflicts = role_conflicts(_ordered(roles))
    if conflicts and not confirmed:
        reasons = "; ".join(f"{' and '.join(sorted(c.roles))}: {c.reason}" for c in conflicts)
        raise ValidationError(
            f"These roles break separation of duties ({reasons}). Tick the confirmation to save them anyway."
        )
    return conflicts


def _collect(errors: dict[str, list[str]], field: str, check: Any) -> None:
    """Run one check and keep its messages under the field instead of stopping at the first."""
    try:
        check()
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)
