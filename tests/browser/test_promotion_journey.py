"""An administrator opens the comparison of a campaign's active and shadow models, reads the gate
and the shadow's card, promotes it and rolls it back, in real Chromium."""

import pytest
from playwright.sync_api import expect

from screening.core.roles import Role
from screening.promotion.models import PromotionEvent
from tests.browser.conftest import log_in
from tests.factories import UserFactory
from tests.promotion.comparison_world import lenient_criteria, recalibrated_rows, shipped_shadow_campaign


@pytest.mark.usefixtures("one_request_at_a_time")
def test_admin_compares_promotes_and_rolls_back(page, transactional_db):
    UserFactory(username="admin", role=Role.ADMIN)
    campaign = shipped_shadow_campaign(recalibrated_rows(), name="Breast screening 2026, York")
    lenient_criteria(campaign)
    log_in(page, "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Model promotion").click()
    page.get_by_role("link", name="Breast screening 2026, York").click()

    expect(page.locator("#paired-studies")).to_have_text("30")
    expect(page.locator("#auc-difference")).to_contain_text("0.000")
    expect(page.locator("#promotion-gate h2")).to_contain_text("criteria met")
    expect(page.locator("#shadow-card")).to_contain_text("the weights of breast-demo:2.0.0")
    assert page.locator("#score-scatter .scatter-cell").count() > 0

    page.get_by_role("button", name="Promote to active").click()
    promoted = "breast-demo-recal:2.0.0 is now the active model for new studies."
    expect(page.get_by_text(promoted)).to_be_visible()
    expect(page.locator("#active-model")).to_have_text("breast-demo-recal:2.0.0")
    expect(page.locator("#shadow-model")).to_have_text("breast-demo:2.0.0")

    page.get_by_label("Reason for the roll-back").fill("Recall rate rose in the first week")
    page.get_by_role("button", name="Roll back").click()
    expect(page.locator("#active-model")).to_have_text("breast-demo:2.0.0")
    expect(page.locator("#promotion-events")).to_contain_text("Roll-back by admin")
    assert list(PromotionEvent.objects.order_by("id").values_list("kind", "actor__username")) == [
        ("promotion", "admin"),
        ("rollback", "admin"),
    ]
