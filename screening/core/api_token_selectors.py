"""Reading API tokens: the one a request presents, and the tokens a person may see."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from screening.core.actors import Actor
from screening.core.api_token_services import API_TOKEN, token_digest
from screening.core.audit_services import audit_record
from screening.core.compiled_sql import compiled_rows
from screening.core.models import ApiToken, AuditAction

# Who sees every person's tokens (and may end them): user administrators.
ALL_TOKENS_PERMISSION = "auth.change_user"


def api_token_for_key(*, key: str) -> ApiToken | None:
    """The token with this key, with its user, or None."""
    rows = compiled_rows("api token by digest", _token_with_user, {"digest": token_digest(key)})
    return rows[0] if rows else None


def _token_with_user(values: Mapping[str, Any]) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(digest=values["digest"]).select_related("user").order_by()


def api_token_is_live(token: ApiToken, now: datetime) -> bool:
    """Not revoked, within its lifetime and not idle for longer than the idle timeout."""
    last_use = token.last_used_at or token.created_at
    idle = timedelta(minutes=settings.API_TOKEN_IDLE_MINUTES)
    return token.revoked_at is None and now < token.expires_at and now < last_use + idle


def api_tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    """A person's own tokens; every token for a user administrator."""
    tokens = ApiToken.objects.select_related("user", "revoked_by").order_by("-created_at")
    return tokens if user.has_perm(ALL_TOKENS_PERMISSION) else tokens.filter(user=user)


def api_token_get(*, user: Any, token_id: int) -> ApiToken:
    """One token the person may see (and end), or 404."""
    return get_object_or_404(api_tokens_visible_to(user), pk=token_id)


def api_tokens_listed(*, actor: Actor) -> list[ApiToken]:
    """The tokens page's rows; an administrator's look at everyone's tokens is audited."""
    assert actor.user is not None
    rows = list(api_tokens_visible_to(actor.user)[:500])
    if actor.user.has_perm(ALL_TOKENS_PERMISSION):
        audit_record(actor=actor, action=AuditAction.LIST, object_type=API_TOKEN, detail={"rows": len(rows)})
    return rows
