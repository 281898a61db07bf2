"""Who is acting: a user with a role from an address, or the system itself."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import HttpRequest

from screening.core.roles import Role, user_role


@dataclass(frozen=True)
class Actor:
    """The person or process behind an action, as the audit trail records it."""

    user: User | None
    role: Role | None
    ip_address: str | None = None
    system_name: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> "Actor":
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, role=user_role(user), ip_address=client_ip(request))

    @classmethod
    def for_user(cls, user: User, ip_address: str | None = None) -> "Actor":
        return cls(user=user, role=user_role(user), ip_address=ip_address)

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(user=None, role=None, system_name=name)

    @property
    def username(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        return f"system:{self.system_name or 'anonymous'}"

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    def has_perm(self, perm: str) -> bool:
        if self.user is None:
            return bool(self.system_name)
        return self.user.has_perm(perm)


def client_ip(request: HttpRequest) -> str | None:
    """The peer address Django sees (a trusted proxy must set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None
