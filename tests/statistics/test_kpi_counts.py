"""Every KPI's counts from the database on the hand-worked programme of kpi_world."""

from datetime import date

import pytest

from screening.statistics.kpi_counts import counts_total, kpi_counts
from screening.statistics.kpi_scope import KpiFilters
from tests.statistics.kpi_world import kpi_world


@pytest.fixture
def world(db):
    return kpi_world()


def _total(user, **filters):
    return counts_total(kpi_counts(user=user, filters=KpiFilters(**filters), keys=()))


def test_leeds_2025_counts_by_hand(auditor, world):
    counts = _total(auditor, campaign=world["leeds"].pk)
    assert dict(counts) == {
        "invited": 10,  # all ten
        "attended": 8,  # 0-7
        "screened": 8,
        "with_result": 8,
        "recalled": 2,  # 0 and 4
        "technical_recalls": 1,  # 1
        "resulted": 8,
        "within_standard": 7,  # all but 7 (20 days)
        "waiting": 0,
    }


def test_rounds_come_from_earlier_screened_episodes(auditor, world):
    groups = kpi_counts(user=auditor, filters=KpiFilters(campaign=world["leeds"].pk), keys=("round",))
    by_round = {group.key[0]: group.counts for group in groups}
    # 0-3 were imaged in Leeds 2022: subsequent; 4-9 first (8 and 9 did not attend).
    assert (by_round["subsequent"]["invited"], by_round["subsequent"]["recalled"]) == (4, 1)
    assert (by_round["first"]["invited"], by_round["first"]["attended"], by_round["first"]["recalled"]) == (
        6,
        4,
        1,
    )
    # Leeds 2022 is everyone's first round.
    first_2022 = kpi_counts(
        user=auditor, filters=KpiFilters(campaign=world["leeds_2022"].pk), keys=("round",)
    )
    assert [group.key for group in first_2022] == [("first",)]


def test_age_bands_are_ages_at_the_campaign_start(auditor, world):
    groups = kpi_counts(user=auditor, filters=KpiFilters(campaign=world["leeds"].pk), keys=("age_band",))
    assert {group.key[0]: group.counts["invited"] for group in groups} == {"55-59": 5, "60-64": 5}
    only = _total(auditor, campaign=world["leeds"].pk, age_band="60-64")
    assert (only["invited"], only["attended"]) == (5, 3)  # 5, 6, 7 attend; 8, 9 do not


def test_months_invitations_by_invitation_and_screening_by_images(auditor, world):
    groups = kpi_counts(user=auditor, filters=KpiFilters(campaign=world["leeds"].pk), keys=("month",))
    by_month = {
        group.key[0].date() if hasattr(group.key[0], "date") else group.key[0]: group.counts
        for group in groups
    }
    assert by_month[date(2025, 1, 1)]["invited"] == 10 and by_month[date(2025, 1, 1)]["screened"] == 0
    assert by_month[date(2025, 2, 1)]["screened"] == 8 and by_month[date(2025, 2, 1)]["invited"] == 0
    february = _total(auditor, month_from=date(2025, 2, 1), month_to=date(2025, 2, 1))
    assert (february["invited"], february["screened"], february["recalled"]) == (0, 8, 2)


def test_sites_and_the_backlog(auditor, world):
    groups = kpi_counts(user=auditor, filters=KpiFilters(), keys=("site",))
    by_site = {group.key[0]: group.counts for group in groups}
    assert by_site["Leeds"]["invited"] == 14 and by_site["York"]["invited"] == 6
    assert by_site["York"]["waiting"] == 3 and by_site["Leeds"]["waiting"] == 0
    assert by_site["York"]["within_standard"] == 3  # results 7, 8 and 9 days after the images


def test_a_coordinator_counts_only_the_campaigns_they_run(coordinator, world):
    assert _total(coordinator)["invited"] == 0
    world["york"].assigned_staff.add(coordinator)
    assert _total(coordinator)["invited"] == 6
