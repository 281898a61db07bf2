"""Issuing and ending REST API tokens, audited; the key is shown once and stored only as a digest.

A token works for `API_TOKEN_TTL_HOURS` after it is issued and stops after `API_TOKEN_IDLE_MINUTES`
without use (the session's idle timeout by default). Logging out of the browser ends every token of
that person, as do a password reset and a deactivation: a person who signs off, or whose access is
taken away, leaves no key behind. Scripts ask `/api/v1/auth/token/` for a new token each run.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.models import ApiToken, ApiTokenEnd, AuditAction

API_TOKEN = "api_token"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # given to the caller once, never stored


def token_digest(key: str) -> str:
    """What is stored of a key (a random key needs no slow hash)."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, actor: Actor, user: Any) -> IssuedToken:
    """A new token for `user` (who has just given their password)."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(key),
        prefix=key[:8],
        created_at=now,
        expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=API_TOKEN,
        object_id=token.pk,
        detail={"user": user.pk, "expires_at": token.expires_at.isoformat()},
    )
    return IssuedToken(token, key)


def api_token_touch(*, token: ApiToken, now: datetime) -> None:
    """Record a use, at most once per SESSION_REFRESH_SECONDS (the idle timeout counts from it)."""
    last_use = token.last_used_at
    if last_use is None or (now - last_use).total_seconds() >= settings.SESSION_REFRESH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> None:
    """End one token now (its owner, an admin, or the script holding it)."""
    _end(actor, ApiToken.objects.filter(pk=token.pk), ApiTokenEnd.REVOKED)


@transaction.atomic
def api_tokens_end_for_user(*, actor: Actor, user: Any, reason: ApiTokenEnd) -> int:
    """End every live token of `user` (log-out, password reset, deactivation); returns how many."""
    return _end(actor, ApiToken.objects.filter(user=user), reason)


def _end(actor: Actor, tokens: Any, reason: ApiTokenEnd) -> int:
    live = list(tokens.select_for_update().filter(revoked_at__isnull=True).values_list("pk", "user_id"))
    if not live:
        return 0
    ApiToken.objects.filter(pk__in=[pk for pk, _ in live]).update(
        revoked_at=timezone.now(), revoked_by=actor.user, end_reason=reason
    )
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(AuditAction.CHANGE, API_TOKEN, pk, detail={"user": user_id, "ended": str(reason)})
            for pk, user_id in live
        ],
    )
    return len(live)
