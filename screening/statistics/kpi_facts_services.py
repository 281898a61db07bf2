"""Keeping the KPI facts true: each episode's facts (`EpisodeKpiFacts`) and their counts per
campaign, month, round, age band and vendor (`KpiMonthCounts`).

Campaigns announce every change to episodes (``episodes_changed``, in the change's transaction);
`on_episodes_changed` refreshes the facts of those episodes and of their participants' other
episodes (an episode's images make the participant's later episodes "subsequent round"): the old
facts' contributions are taken off the counts, the facts computed again in SQL
(`episode_facts.fact_columns`) and their contributions added back, in the same transaction.
`kpi_facts_rebuild` computes everything from the episodes and their history (``manage.py
kpi_facts_rebuild``; the migration that creates the tables fills them with it); the two give the
same rows.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from screening.campaigns.models import Episode, EpisodeResult, EpisodeStatusEvent
from screening.imaging.models import Series, Study
from screening.inference_jobs.models import InferenceResult
from screening.outcomes.models import Assessment, Diagnosis, Pathology
from screening.reading.models import ReadOpinion, ReadSlot
from screening.statistics.episode_facts import fact_columns, with_cohort_facts, with_result_time
from screening.statistics.models import EpisodeKpiFacts, KpiMonthCounts
from screening.statistics.outcome_facts import outcome_fact_columns, with_outcome_facts
from screening.statistics.read_facts import read_fact_columns

FACTS = EpisodeKpiFacts._meta.db_table
COUNTS = KpiMonthCounts._meta.db_table
COUNT_NAMES = (
    "invited",
    "attended",
    "screened",
    "with_result",
    "recalled",
    "technical_recalls",
    "resulted",
    "within_standard",
)
KEY = ("campaign_id", "month", "screening_round", "age_band", "vendor")
# The tables the facts are computed from (the rebuild refreshes their planner statistics first).
SOURCES = tuple(
    model._meta.db_table
    for model in (
        Episode,
        EpisodeStatusEvent,
        Study,
        Series,
        InferenceResult,
        ReadSlot,
        ReadOpinion,
        Assessment,
        Pathology,
        Diagnosis,
    )
)
# Episodes refreshed per statement group (their ids are query parameters, five times over).
CHUNK = 1000


def _yes(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


# What an episode's facts add to the counts of its invitation's month and of its images' month.
CONTRIBUTIONS: tuple[tuple[str, dict[str, str]], ...] = (
    ("invited_month", {"invited": "COUNT(*)", "attended": _yes("attended")}),
    (
        "imaged_month",
        {
            "screened": "COUNT(*)",
            "with_result": _yes(f"result IN ('{EpisodeResult.ROUTINE}', '{EpisodeResult.RECALL}')"),
            "recalled": _yes(f"result = '{EpisodeResult.RECALL}'"),
            "technical_recalls": _yes("technical_recall"),
            "resulted": _yes("resulted"),
            "within_standard": _yes("within_standard"),
        },
    ),
)


def on_episodes_changed(sender: object, episode_ids: Iterable[int], **kwargs: object) -> None:
    """Receiver of campaigns' ``episodes_changed``: their facts and counts follow, same transaction."""
    kpi_facts_refresh(episode_ids)


def on_outcomes_changed(sender: object, episode_ids: Iterable[int], **kwargs: object) -> None:
    """Receiver of outcomes' ``outcomes_changed``: the episodes' truth follows, same transaction."""
    kpi_facts_refresh(episode_ids)


def on_ai_result_stored(sender: object, study_ids: Iterable[int], **kwargs: object) -> None:
    """Receiver of the jobs' ``ai_result_stored``: the studies' episodes' AI facts follow."""
    kpi_facts_refresh(
        Study.objects.filter(pk__in=list(study_ids), episode__isnull=False).values_list(
            "episode_id", flat=True
        )
    )


def kpi_facts_refresh(episode_ids: Iterable[int]) -> None:
    """Compute again the facts of these episodes and of their participants' other episodes."""
    ids = sorted(set(episode_ids))
    for start in range(0, len(ids), CHUNK):
        changed = Episode.objects.filter(pk__in=ids[start : start + CHUNK])
        _refresh(Episode.objects.filter(patient_id__in=changed.values("patient_id")))


@transaction.atomic
def kpi_facts_rebuild() -> int:
    """Every episode's facts and all the counts, from the episodes and their history; returns how
    many episodes."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # stale statistics turn the facts' lookups into scans
            cursor.execute(f"ANALYZE {', '.join(SOURCES)}")
        cursor.execute(f"DELETE FROM {COUNTS}")  # noqa: S608 - our table names
        cursor.execute(f"DELETE FROM {FACTS}")  # noqa: S608 - our table names
        _facts_insert(cursor, Episode.objects.all())
        _counts_add(cursor, 1, "", [])
    return EpisodeKpiFacts.objects.count()


def kpi_facts_fill_in_migration(schema_editor: Any) -> None:
    """A migration's fill: rebuild only once the tables have this code's columns, so that of the
    migrations that change the facts' columns only the last (with today's code) computes them."""
    with schema_editor.connection.cursor() as cursor:
        tables = schema_editor.connection.introspection
        for model in (EpisodeKpiFacts, KpiMonthCounts):
            present = {column.name for column in tables.get_table_description(cursor, model._meta.db_table)}
            if present != {field.column for field in model._meta.concrete_fields}:
                return
    kpi_facts_rebuild()


@transaction.atomic
def _refresh(episodes: QuerySet[Episode]) -> None:
    ids_sql, ids_params = episodes.order_by().values("pk").query.sql_with_params()
    among = f"episode_id IN ({ids_sql})"
    with connection.cursor() as cursor:
        if connection.features.has_select_for_update:  # two changes of one participant: one waits
            cursor.execute(f"SELECT episode_id FROM {FACTS} WHERE {among} FOR UPDATE", ids_params)  # noqa: S608 - our table names
        _counts_add(cursor, -1, among, list(ids_params))
        cursor.execute(f"DELETE FROM {FACTS} WHERE {among}", ids_params)  # noqa: S608 - our table names
        _facts_insert(cursor, episodes)
        _counts_add(cursor, 1, among, list(ids_params))
        cursor.execute(f"DELETE FROM {COUNTS} WHERE invited = 0 AND screened = 0")  # noqa: S608 - our table names


def _facts_insert(cursor: Any, episodes: QuerySet[Episode]) -> None:
    """INSERT ... SELECT: the facts of these episodes, computed by the database."""
    columns = {**fact_columns(), **outcome_fact_columns(), **read_fact_columns()}
    names = [f"fact_{name}" for name in columns]
    select = (
        with_outcome_facts(with_result_time(with_cohort_facts(episodes)))
        .order_by()
        .annotate(**dict(zip(names, columns.values(), strict=True)))
        .values_list(*names)
    )
    if list(select.query.annotation_select) != names:
        raise RuntimeError("The facts' columns came out of order.")
    sql, params = select.query.sql_with_params()
    if connection.vendor == "postgresql":  # compiling its many subqueries costs seconds, saves none
        cursor.execute("SET LOCAL jit = off")
    cursor.execute(f"INSERT INTO {FACTS} ({', '.join(columns)}) {sql}", params)


def _counts_add(cursor: Any, sign: int, where: str, params: list[Any]) -> None:
    """Add (sign 1) or take off (sign -1) the contributions of the facts matching `where` (all: "")."""
    updates = ", ".join(f"{name} = {COUNTS}.{name} + excluded.{name}" for name in COUNT_NAMES)
    for month, counted in CONTRIBUTIONS:
        values = ", ".join(f"{sign} * {counted[name]}" if name in counted else "0" for name in COUNT_NAMES)
        condition = f"{month} IS NOT NULL" + (f" AND {where}" if where else "")
        cursor.execute(
            f"""INSERT INTO {COUNTS} ({", ".join(KEY)}, {", ".join(COUNT_NAMES)})
            SELECT campaign_id, {month}, screening_round, age_band, vendor, {values} FROM {FACTS}
            WHERE {condition} GROUP BY campaign_id, {month}, screening_round, age_band, vendor
            ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET {updates}""",  # noqa: S608
            params,
        )
