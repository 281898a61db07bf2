"""403, 404 and 500 pages: the site's layout and navigation, and a way back, with DEBUG off."""

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


def test_a_missing_page_shows_the_navigation_and_a_way_back(coordinator_client):
    response = coordinator_client.get("/no-such-page/", HTTP_REFERER="http://testserver/patients/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'aria-label="Main"' in html and 'href="/patients/"' in html  # the role's navigation
    assert 'href="http://testserver/patients/" id="go-back"' in html
    assert 'href="/" id="go-home"' in html


def test_a_refused_page_shows_the_navigation_and_a_way_home(auditor_client):
    response = auditor_client.get("/patients/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in html and "Auditor" in html
    assert 'aria-label="Main"' in html and 'href="/audit/"' in html
    assert 'href="/" id="go-home"' in html
    assert 'id="go-back"' not in html  # no page to go back to


def test_a_way_back_is_only_offered_to_a_web_address(coordinator_client):
    response = coordinator_client.get("/no-such-page/", HTTP_REFERER="javascript:alert(1)")

    assert 'id="go-back"' not in response.content.decode()


def test_the_server_error_page_renders_without_a_request_or_database():
    # No `db` fixture: any query here would raise.
    response = server_error(RequestFactory().get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert 'href="/" id="go-home"' in html and "/static/css/app.css" in html


@pytest.mark.urls("tests.core.error_urls")
def test_a_failing_page_answers_with_the_server_error_page(db):
    response = Client(raise_request_exception=False).get("/broken/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "deliberate failure" not in response.content.decode()
