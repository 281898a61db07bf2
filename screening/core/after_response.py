"""Work a request starts that need not hold up its response: run once the response has been sent.

In the embedded default (no broker) Celery tasks run in-process, so the AI inference a
coordinator's attach triggers would run inside that request. Work deferred here runs when the
server closes the response (Django's ``request_finished``), after its body is sent; outside a
request (commands, workers, the demo seed) it runs at once. Deferred work is only ever a wake-up:
the database rows it acts on are committed, and the sweeper redoes what a crash here loses.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

_state = threading.local()


def run_after_response(work: Callable[[], object]) -> None:
    """Run `work` once the current request's response is sent, or now outside a request."""
    pending: list[Callable[[], object]] | None = getattr(_state, "pending", None)
    if pending is None:
        work()
    else:
        pending.append(work)


def run_pending(**kwargs: Any) -> None:
    """Receiver of ``request_finished``: run the work the finished request deferred, in order."""
    pending: list[Callable[[], object]] = getattr(_state, "pending", None) or []
    _state.pending = None
    for work in pending:
        try:
            work()
        except Exception:  # the response is gone: nobody is left to tell but the log
            logger.exception("Work deferred until after the response failed")


class AfterResponseMiddleware:
    """Collects the work a request defers; ``request_finished`` (the response closed) runs it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        run_pending()  # a previous response on this thread that was never closed
        _state.pending = []
        return self.get_response(request)
