"""Reads on the hottest paths with SQL composed once per process, not compiled by the ORM each time.

A one-file upload request runs a handful of small reads (the token with its user, the instance
pre-check, the series with its study); Django compiles each queryset to SQL on every run, which
cost about a third of such a request's CPU (docs/benchmarks.md). ``rows_joined`` reads a model
and the rows its foreign keys point to (as ``select_related`` does) with SQL built once per shape
from the models' own metadata, and converts each column with the converters the ORM applies, so
the instances are the ones the ORM would have built.
"""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

# A table's selected columns: each field, its column expression and the converters of its values.
TableColumns = list[tuple[Field, Any, list[Any]]]
M = TypeVar("M", bound=Model)
_SQL: dict[tuple[Any, ...], tuple[str, list[TableColumns]]] = {}


def rows_joined(
    model: type[M], joins: Sequence[str], where: str, params: Sequence[Any], *, for_update: bool = False
) -> list[M]:
    """Instances of ``model`` matching ``where`` (SQL over the alias ``t0``, ``%s`` placeholders),
    each with the rows along the chain of foreign keys ``joins`` cached on it (``["series",
    "study"]`` reads ``instance.series`` and ``instance.series.study``); a null key caches None."""
    key = (connection.alias, connection.vendor, model, tuple(joins), where, for_update)
    if key not in _SQL:
        _SQL[key] = _composed(model, joins, where, for_update)
    sql, columns = _SQL[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        fetched = cursor.fetchall()
    rows = []
    for values in fetched:
        chain: list[Any] = []
        start = 0
        for table_columns in columns:
            chunk = values[start : start + len(table_columns)]
            start += len(table_columns)
            chain.append(_instance(table_columns, chunk))
        for index, name in enumerate(joins):
            if chain[index] is not None:
                foreign_key: Any = type(chain[index])._meta.get_field(name)
                foreign_key.set_cached_value(chain[index], chain[index + 1])
        rows.append(chain[0])
    return rows


def _instance(table_columns: TableColumns, values: Sequence[Any]) -> Model | None:
    model = table_columns[0][0].model
    converted = []
    for (field, column, converters), value in zip(table_columns, values, strict=True):
        if field.primary_key and value is None:  # the row of a null foreign key
            return None
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field, _, _ in table_columns], converted)


def _composed(
    model: type[Model], joins: Sequence[str], where: str, for_update: bool
) -> tuple[str, list[TableColumns]]:
    quote = connection.ops.quote_name
    models: list[Any]
    models, tables, selected, columns = [model], [f"{quote(model._meta.db_table)} t0"], [], []
    outer = False  # past a nullable key, every join is outer (an inner one would drop the row)
    for index, name in enumerate(joins):
        foreign_key: Any = models[-1]._meta.get_field(name)
        target = foreign_key.related_model
        outer = outer or foreign_key.null
        kind = "LEFT OUTER JOIN" if outer else "INNER JOIN"
        tables.append(
            f"{kind} {quote(target._meta.db_table)} t{index + 1} "
            f"ON t{index}.{quote(foreign_key.column)} = t{index + 1}.{quote(target._meta.pk.column)}"
        )
        models.append(target)
    for index, each in enumerate(models):
        table_columns: TableColumns = []
        for field in each._meta.concrete_fields:  # the order Model.from_db expects
            selected.append(f"t{index}.{quote(field.column)}")
            column: Any = field.get_col(each._meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            table_columns.append((field, column, converters))
        columns.append(table_columns)
    lock = " FOR UPDATE" if for_update and connection.features.has_select_for_update else ""
    sql = f"SELECT {', '.join(selected)} FROM {' '.join(tables)} WHERE {where}{lock}"  # noqa: S608 (the models' own names)
    return sql, columns


def placeholders(count: int) -> str:
    """``%s, %s, ...`` for an ``IN (...)`` of ``count`` values."""
    return ", ".join(["%s"] * count)
