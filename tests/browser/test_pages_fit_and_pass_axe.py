"""Every main page, for each role that works in it: no serious or critical axe-core violation at
1280 x 800, and at 1280, 800 and 400 px wide nothing scrolls sideways and the header keeps to its
corner.

The pages per role are listed in tests/browser/page_world.py (`PAGES`). Set PAGE_SCREENSHOTS to a
folder to keep a screenshot of each page at both sizes.
"""

import os
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from tests.browser.conftest import axe_blocking_violations, log_in
from tests.browser.page_world import PAGES, page_path, page_world_build

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 400, "height": 800}
TABLET = {"width": 800, "height": 1000}
HEADER_SHARE_LIMIT = 0.25
SCREENSHOTS = os.environ.get("PAGE_SCREENSHOTS")


def _screenshot(page, role: str, name: str, size: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/{role}-{name.replace(' ', '-')}-{size}.png", full_page=True)


def _fit_problems(page) -> list[str]:
    """What does not fit a phone: sideways scrolling, and a header taller than a quarter screen."""
    measured = page.evaluate(
        """() => ({
            scrollWidth: document.documentElement.scrollWidth,
            width: window.innerWidth,
            height: window.innerHeight,
            header: document.querySelector('header').getBoundingClientRect().height,
            widest: [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .filter(e => !e.parentElement.closest('.table-scroll, table, .ws-panel-scroll'))
                .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')),
        })"""
    )
    problems = []
    if measured["scrollWidth"] > measured["width"]:
        problems.append(
            f"scrolls sideways: {measured['scrollWidth']} px > {measured['width']} ({measured['widest']})"
        )
    if measured["header"] > HEADER_SHARE_LIMIT * measured["height"]:
        problems.append(f"header {measured['header']:.0f} px of {measured['height']}")
    return problems


def _resize(page, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _check_pages(page, role: str, pages, world) -> list[str]:
    problems = []
    for name, path in pages:
        _resize(page, DESKTOP)
        page.goto(page_path(world, path))
        page.wait_for_load_state("load")
        problems += [f"{role} {name} (1280): {v}" for v in axe_blocking_violations(page)]
        problems += [f"{role} {name} (1280): {p}" for p in _fit_problems(page)]
        _screenshot(page, role, name, "1280")
        _resize(page, TABLET)
        problems += [f"{role} {name} (800): {p}" for p in _fit_problems(page)]
        _resize(page, PHONE)
        problems += [f"{role} {name} (400): {p}" for p in _fit_problems(page)]
        problems += [f"{role} {name} (400): {v}" for v in axe_blocking_violations(page)]
        _screenshot(page, role, name, "400")
    return problems


@pytest.mark.usefixtures("media_in_tmp", "one_request_at_a_time")
@pytest.mark.parametrize("role", sorted(PAGES))
def test_main_pages_pass_axe_and_fit_a_phone(page, transactional_db, tmp_path, role):
    world = page_world_build(tmp_path)
    if role != "anonymous":
        log_in(page, role)

    problems = _check_pages(page, role, PAGES[role], world)

    assert problems == [], "\n".join(problems)


def test_the_server_error_page_passes_axe_and_fits_a_phone(page, transactional_db):
    page.goto("/login/")  # the site's address, so the page's stylesheet loads
    page.set_content(render_to_string("500.html"))

    problems = _check_pages_as_set(page)

    assert problems == [], "\n".join(problems)
    assert page.get_by_role("link", name="home page").count() == 1


def _check_pages_as_set(page) -> list[str]:
    _resize(page, DESKTOP)
    problems = axe_blocking_violations(page)
    _screenshot(page, "anonymous", "server error", "1280")
    _resize(page, PHONE)
    _screenshot(page, "anonymous", "server error", "400")
    return problems + _fit_problems(page)
