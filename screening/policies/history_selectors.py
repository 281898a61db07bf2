"""A campaign's history as the arrays the replay takes, in one query over its KPI facts (the
episodes with a routine or recall result, each with its truth as known today)."""

from datetime import date
from typing import Any

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, F, Q, When

from screening.campaigns.models import Campaign, EpisodeResult, ReadingPolicy
from screening.policies.policy_replay import (
    AI_SECOND_READER,
    CANCER,
    DOUBLE_BLIND,
    NO_CANCER,
    NO_READ,
    OTHER,
    RECALL,
    ROUTINE,
    SINGLE,
    UNKNOWN,
    History,
)
from screening.statistics.accuracy_counts import NEGATIVE, POSITIVE, classified
from screening.statistics.kpi_scope import KpiFilters, campaigns_in_scope
from screening.statistics.outcome_fact_selectors import screened_facts

TRUTH_CODES = {POSITIVE: CANCER, NEGATIVE: NO_CANCER}
CALL_CODES = {"": NO_READ, EpisodeResult.ROUTINE.value: ROUTINE, EpisodeResult.RECALL.value: RECALL}
RULE_CODES = {
    ReadingPolicy.SINGLE.value: SINGLE,
    ReadingPolicy.DOUBLE_BLIND.value: DOUBLE_BLIND,
    ReadingPolicy.AI_SECOND_READER.value: AI_SECOND_READER,
}
CLINICAL = (EpisodeResult.ROUTINE.value, EpisodeResult.RECALL.value)
COLUMNS = (
    "cls",
    "result",
    "ai_score",
    "ai_threshold",
    "rule",
    "first_call",
    "second_call",
    "arbitration_call",
)


def simulated_campaigns(*, user: Any) -> Any:
    """The campaigns whose history the user may replay (those whose figures they may see)."""
    return campaigns_in_scope(user=user).order_by("-start_date", "name")


def _recorded_rule() -> Case:
    return Case(
        When(~Q(episode__reading_policy=""), then=F("episode__reading_policy")),
        default=F("campaign__reading_policy"),
        output_field=CharField(),
    )


def campaign_history(*, user: Any, campaign: Campaign, today: date | None = None) -> History:
    """The campaign's decided episodes as arrays (one query); empty outside the user's scope."""
    facts = screened_facts(user=user, filters=KpiFilters(campaign=campaign.pk), today=today)
    query = (
        classified(facts.filter(result__in=CLINICAL)).annotate(rule=_recorded_rule()).values_list(*COLUMNS)
    )
    # The rows straight from the cursor: Django's per-value conversion would double the time of a
    # history of 100 000 episodes, and these columns need none (text, floats).
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # nothing in the user's scope
        sql = ""
    rows = []
    if sql:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    if not rows:
        return history_of_columns([[] for _ in COLUMNS])
    return history_of_columns([list(column) for column in zip(*rows, strict=True)])


def _codes(values: list[str], codes: dict[str, int], default: int) -> np.ndarray:
    return np.fromiter((codes.get(value, default) for value in values), dtype=np.int8, count=len(values))


def history_of_columns(columns: list[list[Any]]) -> History:
    """The arrays of the query's columns (in COLUMNS' order)."""
    cls, result, score, threshold, rule, first, second, arbitration = columns
    return History(
        truth=_codes(cls, TRUTH_CODES, UNKNOWN),
        recalled=np.array([value == EpisodeResult.RECALL for value in result], dtype=bool),
        score=np.array([np.nan if value is None else value for value in score], dtype=np.float64),
        threshold=np.array([np.inf if value is None else value for value in threshold], dtype=np.float64),
        rule=_codes(rule, RULE_CODES, SINGLE),
        first=_codes(first, CALL_CODES, OTHER),
        second=_codes(second, CALL_CODES, OTHER),
        arbitration=_codes(arbitration, CALL_CODES, OTHER),
    )
