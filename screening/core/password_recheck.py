"""Re-checking a signed-in person's password before an act that carries their signature.

Failures count in django-axes like failed log-ins, under the same policy (`AXES_FAILURE_LIMIT`
per username and address, `AXES_COOLOFF_TIME`, an admin's unlock): a wrong password at signing
and a wrong password at the log-in page add up, and a lock-out refuses both. Call this outside the
act's transaction, so a failure is counted even though the act rolls back. Axes is given a request
built from the actor (the address only), so nothing typed on the form reaches its tables.
"""

from enum import StrEnum

from axes.handlers.proxy import AxesProxyHandler
from django.http import HttpRequest

from screening.core.actors import Actor

# What axes records as the path of these attempts (the log-in's is the log-in page).
RECHECK_PATH = "<password re-check>"


class PasswordRecheck(StrEnum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"
    LOCKED_OUT = "locked_out"


def password_recheck(*, actor: Actor, password: str) -> PasswordRecheck:
    """Whether `password` is the acting user's, counting a failure towards the lock-out."""
    user = actor.user
    if user is None:
        return PasswordRecheck.WRONG
    request, credentials = _axes_request(actor), {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return PasswordRecheck.LOCKED_OUT
    if password and user.check_password(password):
        # As a successful log-in does (AXES_RESET_ON_SUCCESS): the count starts again.
        AxesProxyHandler.reset_attempts(username=user.get_username(), ip_address=actor.ip_address or None)
        return PasswordRecheck.CONFIRMED
    AxesProxyHandler.user_login_failed(sender=password_recheck, credentials=credentials, request=request)
    return PasswordRecheck.WRONG


def _axes_request(actor: Actor) -> HttpRequest:
    request = HttpRequest()
    request.META = {"REMOTE_ADDR": actor.ip_address or "", "PATH_INFO": RECHECK_PATH}
    return request
