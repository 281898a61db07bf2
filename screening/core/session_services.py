"""Audit events of a session: log-in, refused log-in and log-out (the pages are in auth_views.py)."""

from screening.core.actors import Actor
from screening.core.api_token_services import api_tokens_end_for_user
from screening.core.audit_services import audit_record
from screening.core.models import ApiTokenEnd, AuditAction, AuditOutcome

SESSION = "session"


def login_record(*, actor: Actor) -> None:
    """Record a successful log-in."""
    audit_record(actor=actor, action=AuditAction.LOGIN, object_type=SESSION)


def login_failure_record(*, actor: Actor) -> None:
    """Record a refused log-in; the typed username is not kept (people type identifiers there too)."""
    audit_record(
        actor=actor, action=AuditAction.LOGIN_FAILED, object_type=SESSION, outcome=AuditOutcome.FAILED
    )


def logout_record(*, actor: Actor) -> None:
    """Record a log-out; the person's API tokens end with it (api_token_services says why)."""
    audit_record(actor=actor, action=AuditAction.LOGOUT, object_type=SESSION)
    if actor.user is not None:
        api_tokens_end_for_user(actor=actor, user=actor.user, reason=ApiTokenEnd.LOGOUT)
