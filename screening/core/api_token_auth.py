"""`Authorization: Token <key>` for the REST API and DICOMweb: a live token of an active user."""

from typing import Any

from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from screening.core.api_token_selectors import api_token_for_key, api_token_is_live
from screening.core.api_token_services import api_token_touch


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token header, checked against `ApiToken`: unknown, revoked, expired and idle tokens,
    and tokens of deactivated users, are refused alike (401)."""

    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = api_token_for_key(key=key)
        now = timezone.now()
        if token is None or not api_token_is_live(token, now) or not token.user.is_active:
            raise AuthenticationFailed("Invalid, expired or revoked token.")
        api_token_touch(token=token, now=now)
        return token.user, token
