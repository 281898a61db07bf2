"""What an administrator does on the Users pages, in real Chromium."""

from playwright.sync_api import expect

from screening.core.roles import Role
from tests.browser.conftest import log_in
from tests.factories import UserFactory

NEW_PASSWORD = "Lantern-Quarry-Meadow-58"
RESET_PASSWORD = "Copper-Willow-Estuary-73"


def test_admin_creates_a_user_and_resets_their_password(page, transactional_db):
    UserFactory(username="admin", role=Role.ADMIN)

    log_in(page, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill("drpatel")
    page.get_by_label("First name").fill("Asha")
    page.get_by_label("Last name").fill("Patel")
    page.get_by_label("Radiologist").check()
    page.get_by_label("New password", exact=True).fill("password123")
    page.get_by_label("New password again").fill("password123")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#main")).to_contain_text("This password is too common.")

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_contain_text("User drpatel created.")
    row = page.locator("#users tr", has_text="drpatel")
    expect(row).to_contain_text("Radiologist")
    expect(row).to_contain_text("Active")

    row.get_by_role("link", name="drpatel").click()
    page.get_by_role("link", name="Reset password").click()
    page.get_by_label("New password", exact=True).fill(RESET_PASSWORD)
    page.get_by_label("New password again").fill(RESET_PASSWORD)
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_role("status")).to_contain_text("Password of drpatel reset.")

    page.get_by_role("button", name="Log out").click()
    log_in(page, "drpatel", RESET_PASSWORD)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist")).to_be_visible()
