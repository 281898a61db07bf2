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
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from screening.campaigns.models import RECORDED_SETTINGS, Campaign, EpisodeStatus
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.reading.models import (
    BAND_BY_RANK,
    BAND_RANK,
    ReadRole,
    ReadSlot,
    ReadSlotEvent,
    ReadSlotEventKind,
    ReadSlotStatus,
    TriageBand,
)

READ_SLOT = "read_slot"
WORKLIST = "worklist"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# The longest wait a worklist filter takes: ten years (a longer one reaches before the first date).
MAX_WAITING_DAYS = 3650
# The programme's standard: a result within this many days of screening (imaging).
RESULT_STANDARD_DAYS = 14
ORDER = ("band_rank", "score_rank", "waiting_since", "id")


@dataclass(frozen=True)
class WorklistFilters:
    campaign_id: int | None = None
    band: str = ""
    waiting_more_than_days: int | None = None
    priors_only: bool = False


@dataclass(frozen=True)
class WorklistEntry:
    """One read on the worklist, with what the page shows beside it."""

    slot: ReadSlot
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


def worklist_slots(
    *,
    actor: Actor,
    filters: WorklistFilters,
    now: datetime | None = None,
    campaign_ids: list[int] | RawSQL | None = None,
) -> QuerySet[ReadSlot]:
    """The open first and second reads this reader may take now, in triage order (unaudited).

    Excluded: reads claimed by someone else (until the claim expires), studies this reader has
    read, opened in another role or skipped, and a second read while the first is still free (the
    reader takes the first). `campaign_ids`: the reader's campaigns (None: fetched as a subquery),
    or one campaign as a column of an enclosing query (`_per_campaign`).
    """
    user = actor.user
    if user is None or not user.has_perm("reading.view_worklist"):
        return ReadSlot.objects.none()
    now = now or timezone.now()
    same_study = ReadSlot.objects.filter(study_id=OuterRef("study_id")).exclude(pk=OuterRef("pk"))
    mine_elsewhere = same_study.filter(
        Q(signed_by=user) | Q(status=ReadSlotStatus.OPEN, claimed_by=user, claim_expires_at__gt=now)
    )
    # "id <> outer id" (always true here) keeps PostgreSQL probing this per row through the study
    # index instead of hashing every free first read of the table once per page.
    first_free = (
        ReadSlot.objects.filter(
            study_id=OuterRef("study_id"), role=ReadRole.FIRST, status=ReadSlotStatus.OPEN
        )
        .exclude(pk=OuterRef("pk"))
        .filter(Q(claimed_by__isnull=True) | Q(claim_expires_at__lte=now))
    )
    skipped = ReadSlotEvent.objects.filter(
        study_id=OuterRef("study_id"), user=user, kind=ReadSlotEventKind.SKIPPED
    )
    if campaign_ids is None:
        in_campaigns = Q(campaign_id__in=reader_campaign_ids(actor=actor))
    elif isinstance(campaign_ids, RawSQL):
        in_campaigns = Q(campaign_id=campaign_ids)
    else:
        in_campaigns = Q(campaign_id__in=campaign_ids)
    slots = (
        ReadSlot.objects.filter(in_campaigns, status=ReadSlotStatus.OPEN)
        .filter(role__in=[ReadRole.FIRST, ReadRole.SECOND])
        .filter(episode__status=EpisodeStatus.IMAGED)  # not once decided, nor closed
        .filter(Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claim_expires_at__lte=now))
        .exclude(Exists(mine_elsewhere))
        .exclude(Exists(skipped))
        .exclude(Q(role=ReadRole.SECOND) & Exists(first_free))
    )
    return _filtered(slots, filters, now).order_by(*ORDER)


def _filtered(slots: QuerySet[ReadSlot], filters: WorklistFilters, now: datetime) -> QuerySet[ReadSlot]:
    if filters.campaign_id is not None:
        slots = slots.filter(campaign_id=filters.campaign_id)
    if filters.band:
        if filters.band not in BAND_RANK:
            raise ValidationError({"band": [f"Band is one of {', '.join(TriageBand.values)}."]})
        slots = slots.filter(band_rank=BAND_RANK[filters.band])
    if filters.waiting_more_than_days is not None:
        slots = slots.filter(waiting_since__lt=now - timedelta(days=filters.waiting_more_than_days))
    if filters.priors_only:
        slots = slots.filter(priors_available=True)
    return slots


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
    ranges = connection.vendor == "postgresql"  # one index range per campaign (`_per_campaign_sql`)
    slots = worklist_slots(
        actor=actor, filters=filters, now=now, campaign_ids=THIS_CAMPAIGN if ranges else campaign_ids
    )
    if cursor:
        slots = slots.filter(TupleGreaterThan(Tuple(*(F(name) for name in ORDER)), cursor_decode(cursor)))
    rows = _page_rows(slots, campaign_ids=campaign_ids, limit=page_size + 1)
    more = len(rows) > page_size
    rows = rows[:page_size]
    audit_record(
        actor=actor,
        action=AuditAction.LIST,
        object_type=WORKLIST,
        detail={"episodes": [slot.episode_id for slot in rows]},
    )
    return WorklistPage(
        entries=[_entry(slot, actor, now) for slot in rows],
        next_cursor=cursor_encode(rows[-1]) if more and rows else "",
        page_size=page_size,
    )


# What a worklist row shows (the page and the API): the rest of the slot and its relations stays
# unread. Reading another field of a page's slot costs a query per row; add it here instead.
SHOWN_RELATIONS = ("episode__patient", "campaign", "claimed_by")
SHOWN_FIELDS = (
    *ORDER,
    "role",
    "status",
    "ai_score",
    "priors_available",
    "claim_expires_at",
    "signed_at",
    "study",
    "episode__patient__identifier",
    "episode__patient__family_name",
    "episode__patient__given_name",
    "campaign__name",
    # What the episode recorded when imaged (Episode.reading_settings); the campaign's before that.
    *(f"episode__{name}" for name in RECORDED_SETTINGS),
    *(f"campaign__{name}" for name in RECORDED_SETTINGS),
    "claimed_by__username",
)
_CAMPAIGN = "worklist_campaign"  # the alias of the reader's campaigns in the page query
# One campaign of the reader's, as a column of the enclosing query (`_per_campaign_sql`).
THIS_CAMPAIGN = RawSQL(f"{_CAMPAIGN}.id", ())  # noqa: S611 (a constant column reference)


def _per_campaign_sql(
    one_campaign: QuerySet[ReadSlot], campaign_ids: list[int], limit: int, *, ordered: bool
) -> tuple[str, tuple[Any, ...]]:
    """The ids of up to `limit` reads: one range of `read_slot_worklist_campaign` per campaign.

    `one_campaign` holds the reads of THIS_CAMPAIGN in worklist order; a LATERAL subquery over the
    campaign ids (planned once whatever their number) runs it per campaign, each range stopping
    after `limit` keys. Given the reader's campaigns as one `IN` list, PostgreSQL could not order
    by the index and read every matching read of those campaigns (tens of thousands at 1 000 000
    episodes) into a sort or a bitmap; the list beside each range's own campaign also made it
    expect a few rows where there are thousands, and sort them. `ordered`: merged in worklist
    order (a page), else any `limit` of them (a count).
    """
    range_sql, range_params = one_campaign.values_list(*ORDER)[:limit].query.sql_with_params()
    order = f"ORDER BY {', '.join(f'page.{name}' for name in ORDER)} " if ordered else ""
    sql = (
        f"SELECT page.id FROM unnest(%s::bigint[]) AS {_CAMPAIGN}(id) "  # noqa: S608 (ORM-built SQL)
        f"CROSS JOIN LATERAL ({range_sql}) AS page {order}LIMIT %s"
    )
    return sql, (campaign_ids, *range_params, limit)


def _page_rows(slots: QuerySet[ReadSlot], *, campaign_ids: list[int], limit: int) -> list[ReadSlot]:
    """The first `limit` rows of the page in one query: an ordered index range per campaign, merged.

    On PostgreSQL `slots` are THIS_CAMPAIGN's and the page's keys come from `_per_campaign_sql`,
    merged and cut to `limit`; the rows with what the page shows are fetched by those ids in the
    same query. Joining the participant and campaign inside the ranges made PostgreSQL plan a
    many-table join per campaign (about 12 ms of planning for 1.5 ms of work). Databases without
    LATERAL (SQLite) run the plain query over the reader's campaigns.
    """
    if not campaign_ids:
        return []
    if connection.vendor != "postgresql":
        return list(slots.select_related(*SHOWN_RELATIONS).only(*SHOWN_FIELDS)[:limit])
    sql, params = _per_campaign_sql(slots, campaign_ids, limit, ordered=True)
    keys = RawSQL(sql, params)  # noqa: S611 (ORM-built SQL and constants; the values are parameters)
    shown = ReadSlot.objects.select_related(*SHOWN_RELATIONS).only(*SHOWN_FIELDS).order_by(*ORDER)
    return list(shown.filter(pk__in=keys))


def _entry(slot: ReadSlot, actor: Actor, now: datetime) -> WorklistEntry:
    days = (now - slot.waiting_since).days
    return WorklistEntry(
        slot=slot,
        days_waiting=days,
        overdue=days >= RESULT_STANDARD_DAYS,
        claimed_by_me=slot.claimed_by_id == actor.user_id and slot.claim_active(now),
        ai_shown=slot.episode.reading_settings.ai_shown_to_readers,
    )


def cursor_encode(slot: ReadSlot) -> str:
    """The position after `slot` in worklist order, as an opaque URL-safe token."""
    key = [slot.band_rank, slot.score_rank, slot.waiting_since.isoformat(), slot.pk]
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

    Counted with the rows' own query (`worklist_slots`), so a count is what the list shows: one
    row per study, none of a study the reader cannot take, no episode whose result is issued or
    that is closed. Each band is counted up to COUNT_LIMIT + 1 rows of the campaigns' worklist
    index (no sort, no scan past the limit), the four counts in one query.
    """
    nothing = {band: BandCount(0) for band in BAND_RANK}
    if actor.user is None or not actor.user.has_perm("reading.view_worklist"):
        return nothing
    filters = replace(filters or WorklistFilters(), band="")
    campaign_ids = _campaigns_of(actor, campaigns).ids
    if filters.campaign_id is not None:
        campaign_ids = [pk for pk in campaign_ids if pk == filters.campaign_id]
    if not campaign_ids:
        return nothing
    ranges = connection.vendor == "postgresql"  # one index range per campaign (`_per_campaign_sql`)
    slots = worklist_slots(
        actor=actor, filters=filters, campaign_ids=THIS_CAMPAIGN if ranges else campaign_ids
    )
    limit = COUNT_LIMIT
    selects: list[str] = []
    params: list[Any] = []
    for rank in BAND_BY_RANK:
        band = slots.filter(band_rank=rank)
        if ranges:
            sql, band_params = _per_campaign_sql(band, campaign_ids, limit + 1, ordered=False)
        else:
            sql, band_params = band.order_by().values("pk")[: limit + 1].query.sql_with_params()
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) band_{rank})")  # noqa: S608 (ORM-built SQL)
        params.extend(band_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)
        row = cursor.fetchone()
    return {
        BAND_BY_RANK[rank]: BandCount(min(n, limit), more=n > limit)
        for rank, n in zip(BAND_BY_RANK, row, strict=True)
    }
