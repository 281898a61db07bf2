"""The worklist's counts per AI band: a counter row per (campaign, role, band), kept in step.

Counting the open reads of a reader's campaigns on every page costs an index scan of every open
read (about 120 ms at 250 000 open reads). Instead the services that change what is counted
(opening a read, signing it, a new AI band) add their change to `WorklistBandCount` in the same
transaction, so a committed count is exact and reading it is a lookup of a few rows.

Counter rows are changed in one order, (campaign, role in read order, band), and always after
the read slots they follow, so two transactions cannot wait on each other's counters. Reads of
one campaign, role and band share a row: their signatures queue on it until they commit (a
signature is a few milliseconds). `worklist_counts_rebuild` recounts everything from the slots;
`worklist_counts_check` tells what differs.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, transaction
from django.db.models import Count, Sum

from screening.reading.models import BAND_BY_RANK, ReadRole, ReadSlot, ReadSlotStatus, WorklistBandCount

# (campaign id, role, band rank)
CountKey = tuple[int, str, int]

_ROLE_ORDER = {role: n for n, role in enumerate(ReadRole.values)}  # first, second, arbitration
WORKLIST_ROLES = (ReadRole.FIRST, ReadRole.SECOND)


def count_key(slot: ReadSlot) -> CountKey:
    return (slot.campaign_id, slot.role, slot.band_rank)


def worklist_counts_add(*, changes: Mapping[CountKey, int]) -> None:
    """Add `changes` (open reads gained or lost per key) to the counters, in the one lock order."""
    rows = sorted(
        ((key, n) for key, n in changes.items() if n),
        key=lambda item: (item[0][0], _ROLE_ORDER[item[0][1]], item[0][2]),
    )
    if not rows:
        return
    table = connection.ops.quote_name(WorklistBandCount._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params = [value for key, n in rows for value in (*key, n)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, role, band_rank, open_reads) VALUES {values} "  # noqa: S608 (placeholders only)
            "ON CONFLICT (campaign_id, role, band_rank) "
            f"DO UPDATE SET open_reads = {table}.open_reads + EXCLUDED.open_reads",
            params,
        )


def worklist_counts_opened(slots: Iterable[ReadSlot]) -> None:
    """Count newly opened reads."""
    worklist_counts_add(changes=Counter(count_key(slot) for slot in slots))


def worklist_counts_closed(slot: ReadSlot) -> None:
    """Stop counting a read that is signed."""
    worklist_counts_add(changes={count_key(slot): -1})


def band_counts(*, campaign_ids: Sequence[int], roles: Sequence[str] = WORKLIST_ROLES) -> dict[str, int]:
    """Open reads of these campaigns and roles per band (every band present, zero or not)."""
    counts = dict.fromkeys(BAND_BY_RANK.values(), 0)
    if not campaign_ids:
        return counts
    rows = (
        WorklistBandCount.objects.filter(campaign_id__in=list(campaign_ids), role__in=list(roles))
        .values("band_rank")
        .annotate(n=Sum("open_reads"))
        .order_by()
    )
    for row in rows:
        counts[BAND_BY_RANK[row["band_rank"]]] = row["n"] or 0
    return counts


def _recount() -> dict[CountKey, int]:
    rows = (
        ReadSlot.objects.filter(status=ReadSlotStatus.OPEN)
        .values("campaign_id", "role", "band_rank")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["campaign_id"], row["role"], row["band_rank"]): row["n"] for row in rows}


def worklist_counts_check() -> dict[CountKey, tuple[int, int]]:
    """Keys whose stored count differs from a recount of the open reads: {key: (stored, counted)}."""
    stored = {
        (row.campaign_id, row.role, row.band_rank): row.open_reads for row in WorklistBandCount.objects.all()
    }
    counted = _recount()
    return {
        key: (stored.get(key, 0), counted.get(key, 0))
        for key in stored.keys() | counted.keys()
        if stored.get(key, 0) != counted.get(key, 0)
    }


@transaction.atomic
def worklist_counts_rebuild() -> int:
    """Recount every counter from the open reads (after a bulk load or a repair); returns rows written.

    On PostgreSQL the counter table is locked first: writers that changed slots wait for the
    recount and then add their change to it, so nothing is counted twice or lost.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(WorklistBandCount._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    WorklistBandCount.objects.all().delete()
    rows = [
        WorklistBandCount(campaign_id=campaign_id, role=role, band_rank=band_rank, open_reads=n)
        for (campaign_id, role, band_rank), n in _recount().items()
    ]
    WorklistBandCount.objects.bulk_create(rows)
    return len(rows)
