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
# Rows per INSERT ... VALUES statement of bulk_insert_new (well below the bound-parameter limits).
NEW_ROWS_BATCH_SIZE = 200


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


def bulk_insert_new(model: type[models.Model], objects: list[Any], *, unique_field: str) -> dict[Any, int]:
    """Insert rows, skipping those whose unique key is already taken; returns {key: id} of those inserted.

    ``INSERT ... ON CONFLICT (key) DO NOTHING RETURNING``: a row a concurrent transaction is
    inserting waits for it to commit or roll back, so the keys returned are exactly the rows this
    transaction created. Each inserted object gets its primary key set. On PostgreSQL the values
    are bound by the server: Django's client-side binding quotes every value into the SQL text in
    Python, a third of the statement's cost for a batch of instance rows.
    """
    if not objects:
        return {}
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    key_field = model._meta.get_field(unique_field)
    if not isinstance(key_field, models.Field):
        raise TypeError(f"{unique_field} is not a column of {model.__name__}.")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    inserted: dict[Any, int] = {}
    by_key = {getattr(instance, key_field.attname): instance for instance in objects}
    for start in range(0, len(objects), NEW_ROWS_BATCH_SIZE):
        chunk = objects[start : start + NEW_ROWS_BATCH_SIZE]
        values: list[Any] = []
        for instance in chunk:
            values.extend(
                field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
            )
        # Names come from the model's metadata, values are bound as parameters.
        table, key_column = quote(model._meta.db_table), quote(str(key_field.column))
        pk_column = quote(str(model._meta.pk.column))
        insert = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))}"  # noqa: S608
        sql = f"{insert} ON CONFLICT ({key_column}) DO NOTHING RETURNING {pk_column}, {key_column}"
        with _bound_cursor() as cursor:
            cursor.execute(sql, values)
            for pk, key in cursor.fetchall():
                inserted[key] = pk
                by_key[key].pk = pk
                by_key[key]._state.adding = False
    return inserted


def insert_after_step(model: type[models.Model], objects: list[Any], *, step: str, params: list[Any]) -> None:
    """PostgreSQL: one statement (one round trip) that runs a data-modifying ``step`` (an UPDATE of
    another table, given with its parameters), then inserts the rows and sets their ids.

    ``WITH step AS (<step>) INSERT ...``: the step runs, with its triggers, in the same statement.
    At most NEW_ROWS_BATCH_SIZE rows (one statement's worth).
    """
    if connection.vendor != "postgresql" or not 0 < len(objects) <= NEW_ROWS_BATCH_SIZE:
        raise ValueError("insert_after_step takes 1 to NEW_ROWS_BATCH_SIZE rows, on PostgreSQL.")
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values = list(params)
    for instance in objects:
        values.extend(
            field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
        )
    table, pk_column = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    rows = ", ".join([row] * len(objects))
    # Names come from the model's metadata and the caller's SQL; values are bound as parameters.
    sql = f"WITH step AS ({step}) INSERT INTO {table} ({columns}) VALUES {rows} RETURNING {pk_column}"  # noqa: S608
    with _bound_cursor() as cursor:
        cursor.execute(sql, values)
        for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            instance.pk = pk
            instance._state.adding = False


def _bound_cursor() -> Any:
    """A cursor binding values server-side on PostgreSQL (psycopg's C adapters), Django's elsewhere;
    either goes through Django's wrapper (error translation, execute wrappers, query log)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg
    from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

    connection.ensure_connection()
    wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    return wrapper(psycopg.Cursor(connection.connection), connection)


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
