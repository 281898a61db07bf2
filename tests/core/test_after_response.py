"""Work deferred until the response is sent: in a request it waits for the response's close, outside
one it runs at once, and a failure is logged without touching the response already sent."""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory

from screening.core.after_response import AfterResponseMiddleware, run_after_response


@pytest.fixture(autouse=True)
def no_database_on_close():
    """As Django's test client does: closing a response here touches no database connection."""
    request_finished.disconnect(close_old_connections)
    yield
    request_finished.connect(close_old_connections)


def test_outside_a_request_the_work_runs_at_once():
    ran = []

    run_after_response(lambda: ran.append("job"))

    assert ran == ["job"]


def test_in_a_request_the_work_runs_when_the_response_is_closed():
    ran = []

    def view(request):
        run_after_response(lambda: ran.append("job"))
        ran.append("view")
        return HttpResponse("done")

    response = AfterResponseMiddleware(view)(RequestFactory().get("/"))

    assert ran == ["view"]  # the response is complete; the job has not run
    response.close()  # what a WSGI server does once the body is sent
    assert ran == ["view", "job"]


def test_a_failing_deferred_work_is_logged_and_the_next_still_runs(caplog):
    ran = []

    def view(request):
        run_after_response(lambda: 1 / 0)
        run_after_response(lambda: ran.append("second"))
        return HttpResponse("done")

    AfterResponseMiddleware(view)(RequestFactory().get("/")).close()

    assert ran == ["second"]
    assert "after the response" in caplog.text
