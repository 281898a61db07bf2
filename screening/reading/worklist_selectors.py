"""The reader's worklist: reads they may do now, in AI triage order, one keyset page at a time.

Order: AI band (high, intermediate, low, none), then score (highest first), then waiting time
(longest first), then slot id: the columns of the partial index `read_slot_worklist_order`, all
ascending, so a page is an index range scan from the cursor whatever its depth, and every page
costs the same number of queries (the page, its audit event, nothing per row).
"""

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from screening.campaigns.models import Campaign
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.reading.models import BAND_BY_RANK, BAND_RANK, ReadRole, TriageBand
from screening.reading.worklist_queries import CURSOR_VALUES, band_counts, page_rows

READ_SLOT = "read_slot"
WORKLIST = "worklist"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# The longest wait a worklist filter takes: ten years (a longer one reaches before the first date).
MAX_WAITING_DAYS = 3650
# The programme's standard: a result within this many days of screening (imaging).
RESULT_STANDARD_DAYS = 14


@dataclass(frozen=True)
class WorklistFilters:
    campaign_id: int | None = None
    band: str = ""
    waiting_more_than_days: int | None = None
    priors_only: bool = False


@dataclass(frozen=True, slots=True)
class WorklistRead:
    """A read on the worklist as the page and the API show it: one row of the page's query, plain
    values (no model instances: making 200 of them cost more than the query)."""

    id: int
    band_rank: int
    score_rank: float
    waiting_since: datetime
    role: str
    status: str
    ai_score: float | None
    priors_available: bool
    claimed_by_id: int | None
    claim_expires_at: datetime | None
    signed_at: datetime | None
    episode_id: int
    study_id: int
    campaign_id: int
    patient_id: int
    patient_identifier: str
    family_name: str
    given_name: str
    campaign_name: str
    claimed_by_username: str | None
    ai_shown_to_readers: bool  # the episode's recorded setting; the campaign's before it recorded one

    @property
    def pk(self) -> int:
        return self.id

    @property
    def band(self) -> str:
        return BAND_BY_RANK[self.band_rank]

    @property
    def role_label(self) -> str:
        return str(ReadRole(self.role).label)

    def claim_active(self, now: datetime) -> bool:
        return (
            self.claimed_by_id is not None
            and self.claim_expires_at is not None
            and self.claim_expires_at > now
        )


def _read(row: tuple[Any, ...]) -> WorklistRead:
    """A WorklistRead of a row of READ_COLUMNS."""
    *shown, recorded_policy, episode_ai_shown, campaign_ai_shown = row
    ai_shown = episode_ai_shown if recorded_policy else campaign_ai_shown
    return WorklistRead(*[*shown, ai_shown])


@dataclass(frozen=True)
class WorklistEntry:
    """One read on the worklist, with what the page shows beside it."""

    slot: WorklistRead
    days_waiting: int
    overdue: bool
    claimed_by_me: bool
    ai_shown: bool  # the episode's settings show readers the AI (band, score); others read unaided

    @property
    def band(self) -> str:
        return BAND_BY_RANK[self.slot.band_rank]


@dataclass(frozen=True)
class WorklistPage:
    entries: list[WorklistEntry]
    next_cursor: str
    page_size: int

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)


@dataclass(frozen=True)
class ReaderCampaigns:
    """The campaigns a reader reads for, fetched once per request: the filter, page and counts share it."""

    user_id: int | None
    choices: tuple[tuple[int, str], ...]  # (id, name), by name

    @property
    def ids(self) -> list[int]:
        return [pk for pk, _ in self.choices]


def reader_campaign_ids(*, actor: Actor) -> QuerySet[Campaign, Any]:
    """The campaigns a reader reads for: those they are assigned to (a subquery, not a list)."""
    if actor.user is None:
        return Campaign.objects.none().values("pk")
    return Campaign.objects.filter(assigned_staff=actor.user).values("pk")


def reader_campaigns(*, actor: Actor) -> ReaderCampaigns:
    """The reader's campaigns (one query), for `worklist_page` and `worklist_band_counts`."""
    if actor.user is None:
        return ReaderCampaigns(user_id=None, choices=())
    rows = Campaign.objects.filter(assigned_staff=actor.user).order_by("name", "id").values_list("pk", "name")
    return ReaderCampaigns(user_id=actor.user_id, choices=tuple(rows))


def _campaigns_of(actor: Actor, campaigns: ReaderCampaigns | None) -> ReaderCampaigns:
    """The given campaigns when they are this reader's, else fetched."""
    if campaigns is not None and campaigns.user_id == actor.user_id:
        return campaigns
    return reader_campaigns(actor=actor)


def _values(
    actor: Actor, filters: WorklistFilters, now: datetime, campaign_ids: list[int], cursor: str = ""
) -> dict[str, Any]:
    """What the worklist's queries take (`worklist_queries`): the reader, now, their campaigns and
    the values of the filters and cursor set."""
    values: dict[str, Any] = {"user": actor.user_id, "now": now, "campaign_ids": campaign_ids}
    if filters.campaign_id is not None:
        values["campaign"] = filters.campaign_id
    if filters.band:
        if filters.band not in BAND_RANK:
            raise ValidationError({"band": [f"Band is one of {', '.join(TriageBand.values)}."]})
        values["band_rank"] = BAND_RANK[filters.band]
    if filters.waiting_more_than_days is not None:
        values["waiting_before"] = now - timedelta(days=filters.waiting_more_than_days)
    if cursor:
        values.update(zip(CURSOR_VALUES, cursor_decode(cursor), strict=True))
    return values


def _may_read(actor: Actor) -> bool:
    return actor.user is not None and actor.user.has_perm("reading.view_worklist")


def worklist_page(
    *,
    actor: Actor,
    filters: WorklistFilters | None = None,
    cursor: str = "",
    page_size: int = PAGE_SIZE,
    campaigns: ReaderCampaigns | None = None,
) -> WorklistPage:
    """One page of the reader's worklist after `cursor` (empty: the first page); audited as a list.

    `campaigns` (from `reader_campaigns`) saves fetching the reader's campaigns again.
    """
    filters = filters or WorklistFilters()
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    now = timezone.now()
    campaign_ids = _campaigns_of(actor, campaigns).ids
    if filters.campaign_id is not None:
        campaign_ids = [pk for pk in campaign_ids if pk == filters.campaign_id]
    values = _values(actor, filters, now, campaign_ids, cursor)
    rows = (
        page_rows(values=values, priors_only=filters.priors_only, limit=page_size + 1)
        if _may_read(actor)
        else []
    )
    more = len(rows) > page_size
    reads = [_read(row) for row in rows[:page_size]]
    audit_record(
        actor=actor,
        action=AuditAction.LIST,
        object_type=WORKLIST,
        detail={"episodes": [read.episode_id for read in reads]},
    )
    return WorklistPage(
        entries=[_entry(read, actor, now) for read in reads],
        next_cursor=cursor_encode(reads[-1]) if more and reads else "",
        page_size=page_size,
    )


def _entry(read: WorklistRead, actor: Actor, now: datetime) -> WorklistEntry:
    days = (now - read.waiting_since).days
    return WorklistEntry(
        slot=read,
        days_waiting=days,
        overdue=days >= RESULT_STANDARD_DAYS,
        claimed_by_me=read.claimed_by_id == actor.user_id and read.claim_active(now),
        ai_shown=read.ai_shown_to_readers,
    )


def cursor_encode(read: WorklistRead) -> str:
    """The position after `read` in worklist order, as an opaque URL-safe token."""
    key = [read.band_rank, read.score_rank, read.waiting_since.isoformat(), read.pk]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[int, float, datetime, int]:
    """The ordering key a cursor holds; a ValidationError for anything else."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        band_rank, score_rank, waiting, slot_id = raw
        waiting_since = parse_datetime(waiting)
        if waiting_since is None:
            raise ValueError(waiting)
        return int(band_rank), float(score_rank), waiting_since, int(slot_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as error:
        raise ValidationError(
            {"cursor": ["This page link is not valid; start from the first page."]}
        ) from error


# Counting stops here: a reader needs "200+", not the exact size of a backlog, and counting every
# read a reader may take (the same query as the rows) costs a scan of all of them.
COUNT_LIMIT = 200


@dataclass(frozen=True)
class BandCount:
    """The studies of one AI band on the reader's worklist; `more`: over COUNT_LIMIT, not counted."""

    n: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.n}+" if self.more else str(self.n)


def worklist_band_counts(
    *, actor: Actor, filters: WorklistFilters | None = None, campaigns: ReaderCampaigns | None = None
) -> dict[str, BandCount]:
    """The rows this reader sees per AI band (every band present), under `filters` but its band.

    Counted with the rows' own query (`worklist_queries.worklist_slots`), so a count is what the
    list shows: one row per study, none of a study the reader cannot take, no episode whose result
    is issued or that is closed. Each band is counted up to COUNT_LIMIT + 1 rows of the campaigns'
    worklist index (no sort, no scan past the limit), the four counts in one query.
    """
    nothing = {band: BandCount(0) for band in BAND_RANK}
    if not _may_read(actor):
        return nothing
    filters = replace(filters or WorklistFilters(), band="")
    campaign_ids = _campaigns_of(actor, campaigns).ids
    if filters.campaign_id is not None:
        campaign_ids = [pk for pk in campaign_ids if pk == filters.campaign_id]
    if not campaign_ids:
        return nothing
    values = _values(actor, filters, timezone.now(), campaign_ids)
    limit = COUNT_LIMIT
    counted = band_counts(values=values, priors_only=filters.priors_only, limit=limit + 1)
    return {
        BAND_BY_RANK[rank]: BandCount(min(n, limit), more=n > limit)
        for rank, n in zip(BAND_BY_RANK, counted, strict=True)
    }
