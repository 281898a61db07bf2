"""Whose figures a user sees, and the filters every KPI query takes (page, CSV and API alike).

Auditors (and admins) see every campaign's figures; a coordinator sees the campaigns they run
(assigned to, or created). Nobody else sees statistics. Only aggregates leave this app.
"""

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from screening.campaigns.models import Campaign, CampaignQuerySet, Episode, EpisodeQuerySet, Programme
from screening.statistics.models import KpiMonthCounts

AGGREGATES = "core.view_aggregates"
RUN_CAMPAIGNS = "campaigns.change_campaign"
ACCESS_RULE = f"{AGGREGATES} or own campaigns ({RUN_CAMPAIGNS})"

ROUND_FIRST, ROUND_SUBSEQUENT = "first", "subsequent"
ROUNDS = (ROUND_FIRST, ROUND_SUBSEQUENT)
# Age at the campaign's start, in five-year bands; the programmes invite 40 to 80.
AGE_BAND_EDGES = (40, 45, 50, 55, 60, 65, 70, 75, 80)
BREAKDOWNS = ("programme", "campaign", "site", "month", "round", "age_band", "vendor")
Rows = TypeVar("Rows", bound=QuerySet[Any])


def age_band_labels() -> list[str]:
    """Every band's label, youngest first: "<40", "40-44", ..., "75-79", "80+"."""
    inner = [f"{low}-{high - 1}" for low, high in itertools.pairwise(AGE_BAND_EDGES)]
    return [f"<{AGE_BAND_EDGES[0]}", *inner, f"{AGE_BAND_EDGES[-1]}+"]


def may_see_statistics(user: Any) -> bool:
    """Auditors and admins see every campaign's figures, coordinators their own."""
    return bool(
        user and user.is_authenticated and (user.has_perm(AGGREGATES) or user.has_perm(RUN_CAMPAIGNS))
    )


def campaigns_in_scope(*, user: Any) -> CampaignQuerySet:
    """The campaigns whose figures the user may see."""
    campaigns = Campaign.objects.select_related("programme")
    if not may_see_statistics(user):
        return campaigns.none()
    if user.has_perm(AGGREGATES):
        return campaigns.all()
    return campaigns.filter(Q(assigned_staff=user) | Q(created_by=user)).distinct()


@dataclass(frozen=True)
class KpiFilters:
    """What the figures are restricted to; empty means all. Months are the first day of a month."""

    programme: str = ""  # a programme's code
    campaign: int | None = None
    site: str = ""
    month_from: date | None = None
    month_to: date | None = None
    screening_round: str = ""  # "first", "subsequent" or "" for both
    age_band: str = ""
    vendor: str = ""  # "Manufacturer ModelName" of the episode's images, or "unknown"

    def as_query(self) -> dict[str, str]:
        """The filters as URL query parameters (for the CSV links and the API)."""
        values = {
            "programme": self.programme,
            "campaign": str(self.campaign or ""),
            "site": self.site,
            "month_from": self.month_from.strftime("%Y-%m") if self.month_from else "",
            "month_to": self.month_to.strftime("%Y-%m") if self.month_to else "",
            "round": self.screening_round,
            "age_band": self.age_band,
            "vendor": self.vendor,
        }
        return {key: value for key, value in values.items() if value}


def campaign_scoped(rows: Rows, *, user: Any, filters: KpiFilters) -> Rows:
    """Rows of a campaign (episodes, their facts, counts) in the user's campaigns, narrowed by
    programme, campaign and site: the campaigns are looked up first (a few), so that the rows are
    filtered by a list of ids rather than joined to the campaigns row by row."""
    campaigns = campaigns_in_scope(user=user)
    if filters.programme:
        campaigns = campaigns.filter(programme__code=filters.programme)
    if filters.campaign is not None:
        campaigns = campaigns.filter(pk=filters.campaign)
    if filters.site:
        campaigns = campaigns.filter(site=filters.site)
    return rows.filter(campaign_id__in=list(campaigns.order_by().values_list("pk", flat=True)))


def episodes_in_scope(*, user: Any, filters: KpiFilters) -> EpisodeQuerySet:
    """The episodes behind the figures: the user's campaigns, narrowed by programme, campaign and site."""
    return campaign_scoped(Episode.objects.all(), user=user, filters=filters)


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers: only what the user's scope holds."""

    programmes: list[tuple[str, str]]
    campaigns: list[tuple[int, str]]
    sites: list[str]
    vendors: list[str]


def filter_choices(*, user: Any) -> FilterChoices:
    campaigns = campaigns_in_scope(user=user).order_by("-start_date", "name")
    rows = list(campaigns.values_list("pk", "name", "site", "programme__code"))
    codes = {code for *_, code in rows}
    programmes = list(Programme.objects.filter(code__in=codes).order_by("name").values_list("code", "name"))
    return FilterChoices(
        programmes=programmes,
        campaigns=[(pk, name) for pk, name, _, _ in rows],
        sites=sorted({site for _, _, site, _ in rows if site}),
        vendors=sorted(
            KpiMonthCounts.objects.filter(campaign__in=campaigns.values("pk"))
            .order_by()
            .values_list("vendor", flat=True)
            .distinct()
        ),
    )
