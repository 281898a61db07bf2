"""The idle timeout, renewed at most once a minute instead of writing the session on every request.

A session lives `SESSION_COOKIE_AGE` after it was last saved. Saving it on every request (Django's
`SESSION_SAVE_EVERY_REQUEST`) costs a write and a commit per page; here a request renews it only
when the last renewal is `SESSION_REFRESH_SECONDS` old or more, so an idle session still ends,
between `SESSION_COOKIE_AGE - SESSION_REFRESH_SECONDS` and `SESSION_COOKIE_AGE` after the last
request: never later than the timeout.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# When the session's expiry was last pushed back (seconds since the epoch).
RENEWED_AT = "_idle_renewed_at"


def session_renewal_due(renewed_at: float | None, now: float) -> bool:
    """Whether a request at `now` should push the idle timeout back."""
    return renewed_at is None or now - renewed_at >= settings.SESSION_REFRESH_SECONDS


class SessionIdleRenewalMiddleware:
    """Mark a signed-in user's session modified when its idle timeout is due for renewal (the
    session middleware then saves it with a new expiry); place it right after `SessionMiddleware`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:  # signed out, expired, or never signed in
            return response
        session, now = request.session, time.time()
        if session.session_key is None and not session.modified:
            # No session to renew: an API token's request (a script keeps no cookie), which would
            # otherwise create a session row, with its commit, on every request.
            return response
        # A session saved anyway (a log-in, a message) is renewed by that save: note it for free.
        if session.modified or session_renewal_due(session.get(RENEWED_AT), now):
            session[RENEWED_AT] = now
        return response
