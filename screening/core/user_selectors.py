"""Reading the user accounts for the administrator's user management pages."""

from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from screening.core.roles import Role, RoleConflict, role_conflicts

User = get_user_model()


@dataclass(frozen=True)
class UserRow:
    """One account as the administrator sees it: roles, active, locked out, conflicting roles."""

    user: Any
    roles: list[str]
    locked_out: bool
    conflicts: list[RoleConflict]

    @property
    def role_labels(self) -> list[str]:
        return [Role(name).label for name in self.roles]


def user_get(*, user_id: int) -> Any:
    """The account with this id, or 404."""
    return get_object_or_404(User, pk=user_id)


def users_with_roles() -> list[UserRow]:
    """Every account, by username, with its roles and lock-out state (three queries)."""
    role_groups = Prefetch(
        "groups", queryset=Group.objects.filter(name__in=Role.values), to_attr="role_groups"
    )
    users = User.objects.order_by("username").prefetch_related(role_groups)
    locked = set(_locked_out_attempts().values_list("username", flat=True))
    return [
        _row(user, [group.name for group in user.role_groups], user.get_username() in locked)
        for user in users
    ]


def user_row(*, user: Any) -> UserRow:
    """One account's row (for its own page)."""
    roles = list(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    return _row(user, roles, user_is_locked_out(user))


def user_is_locked_out(user: Any) -> bool:
    """Whether django-axes refuses this username's log-ins now (from any address)."""
    return _locked_out_attempts().filter(username=user.get_username()).exists()


def _row(user: Any, roles: list[str], locked_out: bool) -> UserRow:
    ordered = [role for role in Role.values if role in roles]
    return UserRow(user=user, roles=ordered, locked_out=locked_out, conflicts=role_conflicts(ordered))


def _locked_out_attempts() -> QuerySet[AccessAttempt]:
    """Attempts that have reached the failure limit within the cool-off period."""
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = getattr(settings, "AXES_COOLOFF_TIME", None)
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts
