"""The worklist's SQL: the reads a reader may take now, the page's rows and the band counts.

On PostgreSQL each query reads one ordered range of the partial index `read_slot_worklist_campaign`
per campaign of the reader's (`_per_campaign_sql`), and is compiled once per shape
(`core.compiled_sql`: which filters are set, whether a cursor is, the page size): building and
compiling these ORM queries cost several times their work in the database. Each request puts its
values (the reader, "now", the campaigns, the filters' and cursor's values) into the compiled SQL.
Other databases (SQLite) run the ORM query over the reader's campaigns as an `IN` list.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan

from screening.campaigns.models import EpisodeStatus
from screening.core.compiled_sql import compiled_sql
from screening.reading.models import (
    BAND_BY_RANK,
    ReadRole,
    ReadSlot,
    ReadSlotEvent,
    ReadSlotEventKind,
    ReadSlotStatus,
)

ORDER = ("band_rank", "score_rank", "waiting_since", "id")
# What a worklist row shows (the page and the API), in the order of `WorklistRead`'s fields; the
# last three make its `ai_shown_to_readers` (the episode's recorded setting, else the campaign's).
READ_COLUMNS = (
    "id",
    *ORDER[:3],
    "role",
    "status",
    "ai_score",
    "priors_available",
    "claimed_by_id",
    "claim_expires_at",
    "signed_at",
    "episode_id",
    "study_id",
    "campaign_id",
    "episode__patient_id",
    "episode__patient__identifier",
    "episode__patient__family_name",
    "episode__patient__given_name",
    "campaign__name",
    "claimed_by__username",
    "episode__reading_policy",
    "episode__ai_shown_to_readers",
    "campaign__ai_shown_to_readers",
)
_CAMPAIGN = "worklist_campaign"  # the alias of the reader's campaigns in the page query
# One campaign of the reader's, as a column of the enclosing query (`_per_campaign_sql`).
THIS_CAMPAIGN = RawSQL(f"{_CAMPAIGN}.id", ())  # noqa: S611 (a constant column reference)
# The values a query takes (`values` below), beside "user", "now" and "campaign_ids".
FILTER_VALUES = ("campaign", "band_rank", "waiting_before")
CURSOR_VALUES = ("after_band_rank", "after_score_rank", "after_waiting_since", "after_id")


def worklist_slots(
    *,
    user_id: int,
    now: datetime,
    campaign_ids: list[int] | RawSQL,
    values: Mapping[str, Any],
    priors_only: bool,
) -> QuerySet[ReadSlot]:
    """The open first and second reads this reader may take now, in triage order (unaudited).

    Excluded: reads claimed by someone else (until the claim expires), studies this reader has
    read, opened in another role or skipped, and a second read while the first is still free (the
    reader takes the first). `campaign_ids`: the reader's campaigns, or one campaign as a column of
    an enclosing query (THIS_CAMPAIGN); `values`: those of FILTER_VALUES and CURSOR_VALUES set.
    """
    same_study = ReadSlot.objects.filter(study_id=OuterRef("study_id")).exclude(pk=OuterRef("pk"))
    mine_elsewhere = same_study.filter(
        Q(signed_by_id=user_id)
        | Q(status=ReadSlotStatus.OPEN, claimed_by_id=user_id, claim_expires_at__gt=now)
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
        study_id=OuterRef("study_id"), user_id=user_id, kind=ReadSlotEventKind.SKIPPED
    )
    if isinstance(campaign_ids, RawSQL):
        in_campaigns = Q(campaign_id=campaign_ids)
    else:
        in_campaigns = Q(campaign_id__in=campaign_ids)
    slots = (
        ReadSlot.objects.filter(in_campaigns, status=ReadSlotStatus.OPEN)
        .filter(role__in=[ReadRole.FIRST, ReadRole.SECOND])
        .filter(episode__status=EpisodeStatus.IMAGED)  # not once decided, nor closed
        .filter(Q(claimed_by__isnull=True) | Q(claimed_by_id=user_id) | Q(claim_expires_at__lte=now))
        .exclude(Exists(mine_elsewhere))
        .exclude(Exists(skipped))
        .exclude(Q(role=ReadRole.SECOND) & Exists(first_free))
    )
    if "campaign" in values:
        slots = slots.filter(campaign_id=values["campaign"])
    if "band_rank" in values:
        slots = slots.filter(band_rank=values["band_rank"])
    if "waiting_before" in values:
        slots = slots.filter(waiting_since__lt=values["waiting_before"])
    if priors_only:
        slots = slots.filter(priors_available=True)
    if "after_id" in values:
        after = tuple(values[name] for name in CURSOR_VALUES)
        slots = slots.filter(TupleGreaterThan(Tuple(*(F(name) for name in ORDER)), after))
    return slots.order_by(*ORDER)


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


def _shape(values: Mapping[str, Any], priors_only: bool) -> tuple[Any, ...]:
    return (*sorted(name for name in values if name in FILTER_VALUES or name in CURSOR_VALUES), priors_only)


def page_rows(*, values: Mapping[str, Any], priors_only: bool, limit: int) -> list[tuple[Any, ...]]:
    """The first `limit` rows (READ_COLUMNS) of the reader's worklist, in one query.

    `values`: "user", "now", "campaign_ids" and those of FILTER_VALUES and CURSOR_VALUES set. On
    PostgreSQL the page's keys come from `_per_campaign_sql`, merged and cut to `limit`, and the rows
    with what the page shows are fetched by those ids in the same query (joining the participant
    and campaign inside the ranges made PostgreSQL plan a many-table join per campaign: about 12 ms
    of planning for 1.5 ms of work).
    """
    if not values["campaign_ids"]:
        return []
    if connection.vendor != "postgresql":
        slots = worklist_slots(
            user_id=values["user"],
            now=values["now"],
            campaign_ids=values["campaign_ids"],
            values=values,
            priors_only=priors_only,
        )
        return list(slots.values_list(*READ_COLUMNS)[:limit])

    def build(values: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        slots = worklist_slots(
            user_id=values["user"],
            now=values["now"],
            campaign_ids=THIS_CAMPAIGN,
            values=values,
            priors_only=priors_only,
        )
        keys = RawSQL(*_per_campaign_sql(slots, values["campaign_ids"], limit, ordered=True))  # noqa: S611
        shown = ReadSlot.objects.filter(pk__in=keys).order_by(*ORDER).values_list(*READ_COLUMNS)
        return shown.query.sql_with_params()

    sql, params = compiled_sql(("worklist page", limit, *_shape(values, priors_only)), build, values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def band_counts(*, values: Mapping[str, Any], priors_only: bool, limit: int) -> tuple[int, ...]:
    """The reader's rows per band (in BAND_BY_RANK's order), each counted up to `limit`, in one
    query: on PostgreSQL over one range of the worklist index per campaign (no sort, no scan past
    the limit). `values` as `page_rows`'s, without the cursor and band."""

    def build(values: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        ranges = connection.vendor == "postgresql"
        slots = worklist_slots(
            user_id=values["user"],
            now=values["now"],
            campaign_ids=THIS_CAMPAIGN if ranges else values["campaign_ids"],
            values=values,
            priors_only=priors_only,
        )
        selects: list[str] = []
        params: list[Any] = []
        for rank in BAND_BY_RANK:
            band = slots.filter(band_rank=rank).order_by()  # any `limit` of them: no sort to plan
            if ranges:
                sql, band_params = _per_campaign_sql(band, values["campaign_ids"], limit, ordered=False)
            else:
                sql, band_params = band.order_by().values("pk")[:limit].query.sql_with_params()
            selects.append(f"(SELECT COUNT(*) FROM ({sql}) band_{rank})")  # noqa: S608 (ORM-built SQL)
            params.extend(band_params)
        return f"SELECT {', '.join(selects)}", tuple(params)

    if connection.vendor == "postgresql":
        sql, params = compiled_sql(
            ("worklist band counts", limit, *_shape(values, priors_only)), build, values
        )
    else:
        sql, built = build(values)
        params = list(built)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())
