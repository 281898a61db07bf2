"""SQL compiled once per shape: later calls run the same SQL with their own values, never stale ones."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from screening.core import compiled_sql as compiled
from screening.core.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_compiled_shapes")]


def events_query(calls: list[dict]):
    def build(values):
        calls.append(dict(values))
        events = AuditEvent.objects.filter(
            actor_user_id=values["user"], occurred_at__gte=values["since"], sequence__in=values["sequences"]
        )
        return events.values_list("sequence", flat=True).query.sql_with_params()

    return build


def test_a_shape_is_built_once_and_each_call_gets_its_own_values():
    calls: list[dict] = []
    build = events_query(calls)
    now = timezone.now()
    first = compiled.compiled_sql("events", build, {"user": 7, "since": now, "sequences": [1, 2]})
    later_values = {"user": 9, "since": now - timedelta(days=3), "sequences": [5, 6]}
    later = compiled.compiled_sql("events", build, later_values)

    assert len(calls) == 2  # the first call: with stand-ins, then with its values (the check)
    calls.clear()
    sql, params = build(later_values)
    assert later == (sql, list(params))  # what the ORM would send for these values
    assert later != first
    with connection.cursor() as cursor:
        cursor.execute(*later)  # and the database takes it


def test_a_value_written_into_the_sql_text_keeps_the_query_built_every_time():
    calls: list[dict] = []

    def build(values):
        calls.append(dict(values))
        first = AuditEvent.objects.values_list("sequence", flat=True)[: values["limit"]]
        return first.query.sql_with_params()

    assert compiled.compiled_sql("first events", build, {"limit": 3})[0].endswith("LIMIT 3")
    assert compiled.compiled_sql("first events", build, {"limit": 5})[0].endswith("LIMIT 5")
    assert compiled._templates[("default", connection.vendor, False, "first events", ())] is None
    assert len(calls) == 3  # stand-ins and 3 (refused: LIMIT is no parameter), then 5


def test_strings_are_stood_in_for_like_numbers():
    calls: list[dict] = []

    def build(values):
        calls.append(dict(values))
        return AuditEvent.objects.filter(
            object_type=values["type"], object_id__in=values["ids"]
        ).query.sql_with_params()

    compiled.compiled_sql("events of", build, {"type": "study", "ids": ["1", "2"]})
    later = compiled.compiled_sql("events of", build, {"type": "patient", "ids": ["7", "8"]})

    assert len(calls) == 2  # stand-ins, then the first call's values
    sql, params = build({"type": "patient", "ids": ["7", "8"]})
    assert later == (sql, list(params))
    assert sorted(later[1]) == ["7", "8", "patient"]
