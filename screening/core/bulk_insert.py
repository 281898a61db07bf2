"""Inserting many new rows at once: PostgreSQL's COPY, or bulk_create elsewhere.

Imports and the audit events they write insert hundreds of thousands of rows; bulk_create's
per-value work would take most of the time on PostgreSQL, where COPY streams them.
"""

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models

BATCH_SIZE = 2000


def bulk_insert(model: type[models.Model], objects: list[Any]) -> None:
    """Insert new rows (ids are not set on the objects when COPY is used)."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for instance in objects:
        for field in stamped:
            field.pre_save(instance, add=True)
    prepared = [(field.attname, field) for field in fields]
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for instance in objects:
            copy.write_row([_db_value(field, getattr(instance, attname)) for attname, field in prepared])


def _db_value(field: models.Field, value: Any) -> Any:
    # JSON goes as its text; everything else psycopg adapts itself.
    if isinstance(field, models.JSONField) and value is not None:
        return json.dumps(value, cls=field.encoder)
    return value


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building hundreds of thousands of model objects.

    They hold no cycles that need collecting mid-way, and each automatic collection walks all of
    them again; an import of 100 000 rows spends a sixth of its time there otherwise.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
