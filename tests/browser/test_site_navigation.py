"""The header on a phone: the navigation folds behind a Menu button and opens from it."""

from playwright.sync_api import expect

from screening.core.roles import Role
from tests.browser.conftest import log_in
from tests.factories import UserFactory


def test_on_a_phone_the_navigation_opens_from_the_menu_button(page, transactional_db):
    UserFactory(username="coord", role=Role.COORDINATOR)
    page.set_viewport_size({"width": 400, "height": 800})
    log_in(page, "coord")
    navigation = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")

    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    navigation.get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Campaigns")


def test_on_a_wide_screen_the_navigation_shows_without_a_menu_button(page, transactional_db):
    UserFactory(username="coord", role=Role.COORDINATOR)
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, "coord")

    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
