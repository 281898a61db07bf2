"""Default deny: every page and API route declares who may open it, or nobody can.

Pages use ``@require_permission(...)`` (or ``@public`` for the log-in page); API views declare
``required_permissions``; the middleware refuses any page that declares nothing. The Django admin
keeps its own staff check.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome

logger = logging.getLogger(__name__)

PUBLIC = "public"
AUTHENTICATED = "authenticated"

ViewFunc = Callable[..., HttpResponse]


def require_permission(perm: str) -> Callable[[ViewFunc], ViewFunc]:
    """Let a signed-in user with `perm` through; send others to log in or refuse them (403)."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if perm != AUTHENTICATED and not request.user.has_perm(perm):
                access_denied(request, perm)
            return view(request, *args, **kwargs)

        wrapped.access_rule = perm  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: ViewFunc) -> ViewFunc:
    """Mark a page anyone may open (the log-in page)."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def access_denied(request: HttpRequest, rule: str) -> None:
    """Audit a refused request and raise 403."""
    route = request.resolver_match.view_name if request.resolver_match else request.path
    audit_record(
        actor=Actor.from_request(request),
        action=AuditAction.ACCESS,
        object_type="route",
        object_id=route[:64],
        outcome=AuditOutcome.DENIED,
        detail={"required": rule},
    )
    raise PermissionDenied


class DefaultDenyMiddleware:
    """Refuse any page whose view did not declare an access rule."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "access_rule", None) is not None:
            return None
        if getattr(view_func, "cls", None) is not None:  # DRF: DeclaredApiPermission decides.
            return None
        if view_func.__module__.startswith("django.contrib.admin"):
            return None
        logger.warning("Refused a view without an access rule: %s", view_func.__module__)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied


class DeclaredApiPermission(BasePermission):
    """API default deny: a view must declare `required_permissions` per action (or "*")."""

    def has_permission(self, request: Any, view: Any) -> bool:
        declared: dict[str, str] | None = getattr(view, "required_permissions", None)
        if not declared or not request.user or not request.user.is_authenticated:
            return False
        action = getattr(view, "action", None) or request.method.lower()
        if not hasattr(view, request.method.lower()):
            return True  # a method the view does not answer: DRF replies 405, nothing runs
        perm = declared.get(action, declared.get("*"))
        if perm is None:
            return False
        if perm == AUTHENTICATED or request.user.has_perm(perm):
            return True
        audit_record(
            actor=Actor.from_request(request),
            action=AuditAction.ACCESS,
            object_type="api",
            object_id=f"{type(view).__name__}.{action}"[:64],
            outcome=AuditOutcome.DENIED,
            detail={"required": perm},
        )
        return False
