"""The navigation shows each role the pages it may open: every link opens, none is missing."""

import re

import pytest

NAV = re.compile(r'<nav[^>]*aria-label="Main"[^>]*>(.*?)</nav>', re.S)


def _nav_links(client) -> dict[str, str]:
    html = client.get("/").content.decode()
    block = NAV.search(html)
    assert block is not None
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', block[1])
    return {label.strip(): href for href, label in links}


@pytest.mark.parametrize("role", ["coordinator", "radiologist", "auditor", "admin_client_"])
def test_every_navigation_link_opens_for_the_role_that_sees_it(role, request):
    client = request.getfixturevalue(role if role.endswith("_") else f"{role}_client")
    links = _nav_links(client)
    assert links
    for label, href in links.items():
        assert client.get(href).status_code == 200, label


def test_coordinators_auditors_and_admins_have_the_statistics_link(
    coordinator_client, auditor_client, admin_client_, radiologist_client
):
    for client in (coordinator_client, auditor_client, admin_client_):
        assert _nav_links(client).get("Programme statistics") == "/statistics/"
    assert "Programme statistics" not in _nav_links(radiologist_client)
    assert radiologist_client.get("/statistics/").status_code == 403
