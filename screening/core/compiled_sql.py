"""SQL compiled once per shape of a query, then run with each call's values.

Django's ORM builds and compiles a query on every call: for a query with a few subqueries (the
reading worklist's page and band counts) that is a millisecond or more of CPU, several times the
query's own work, and on an upload request's small reads (the token with its user, the instance
pre-check with its series and study) it was about a third of the request's CPU
(docs/benchmarks.md). A query whose calls differ only in values that end up as parameters (a user
id, "now", a cursor's keys, UIDs) has one SQL text per shape: it is built once with stand-in
values, the place of each stand-in among the parameters is noted, and afterwards each call's
values are put there without building anything. Two entry points share that one cache:

- `compiled_sql`: the SQL and parameters, for a caller that runs them itself (the worklist reads
  plain values);
- `compiled_rows`: a queryset's model instances, with the rows of its `select_related` cached on
  them, built from each row as Django's own `ModelIterable` builds them.

The first call of a shape also builds the query with the real values and checks that the two
agree (same SQL, same parameters once the real values are put in place); a shape where they do
not (a value Django writes into the SQL text itself, a stand-in equal to a constant of the query,
an `IN` list with a value twice) is never cached and is built on every call, as before.
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Stand-ins in the range of a small integer column (Django leaves a value outside a column's range
# out of the SQL altogether), unlike any constant of the queries cached here.
_INT_BASE = 32_001
_DATETIME_BASE = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
_STR_PREFIX = "\x1fcompiled_sql stand-in "
# A guard: shapes are few (filters present or not, page size, the length of an IN list).
_MAX_SHAPES = 2048

M = TypeVar("M", bound=Model)
Build = Callable[[Mapping[str, Any]], tuple[str, Sequence[Any]]]


class _Rows:
    """How the ORM builds a compiled queryset's instances from its rows (as `ModelIterable`)."""

    def __init__(self, queryset: QuerySet[Any], compiler: Any) -> None:
        if compiler.annotation_col_map or queryset._known_related_objects:  # type: ignore[attr-defined]
            raise TypeError("compiled_rows: annotations and related managers' querysets are not supported")
        select, klass_info = compiler.select, compiler.klass_info
        self.db = queryset.db
        self.model = klass_info["model"]
        self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        # (Django 5.2's signature; the stubs have a later one's)
        self.populators = get_related_populators(klass_info, select, self.db)  # type: ignore[call-arg]
        # (position, (converters, expression)) of each column the database's values are converted in
        columns = [column[0] for column in select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(columns).items())

    def instances(self, fetched: Sequence[Sequence[Any]]) -> list[Any]:
        found = []
        for values in fetched:
            row = list(values)
            for position, (converters, expression) in self.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            instance = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, instance)
            found.append(instance)
        return found


@dataclass(frozen=True)
class _Template:
    sql: str
    params: tuple[Any, ...]  # as compiled with the stand-ins
    # (parameter index, value name, list index, how the value is passed: as it is, or as the
    # stand-in was: adapted to the database's datetime form, or wrapped in its integer type)
    slots: tuple[tuple[int, str, int | None, Callable[[Any], Any] | None], ...]
    rows: _Rows | None  # `compiled_rows`'s: how its instances are built

    def with_values(self, values: Mapping[str, Any]) -> list[Any]:
        params = list(self.params)
        for position, name, index, convert in self.slots:
            value = values[name] if index is None else values[name][index]
            params[position] = value if convert is None else convert(value)
        return params


_templates: dict[Hashable, _Template | None] = {}
_UNSEEN: Any = object()


def compiled_sql(key: Hashable, build: Build, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """(sql, params) of `build(values)`; built once per `key` (with the database and the lengths of
    list values added), which must name everything of the query's shape that `values` do not hold.

    `values`: ints, floats, strs, aware datetimes and lists of them; `build` must pass each to the
    ORM (or as a parameter of its own SQL) unchanged."""
    template = _compiled(key, build, values, rows=False)
    return template.sql, template.with_values(values)


def compiled_rows(
    key: Hashable, queryset_of: Callable[[Mapping[str, Any]], QuerySet[M]], values: Mapping[str, Any]
) -> list[M]:
    """The instances of `queryset_of(values)` (filters, `select_related`, `order_by`,
    `select_for_update`; no annotations), each as the ORM builds it, in one query whose SQL is
    compiled once per `key` as `compiled_sql`'s; `values` as `compiled_sql`'s."""
    if any(isinstance(value, list | tuple) and not value for value in values.values()):
        return list(queryset_of(values))  # an empty IN: the ORM knows nothing matches, no query
    template = _compiled(key, queryset_of, values, rows=True)
    assert template.rows is not None
    with connection.cursor() as cursor:
        cursor.execute(template.sql, template.with_values(values))
        fetched = cursor.fetchall()
    return template.rows.instances(fetched)


def _compiled(
    key: Hashable, build: Callable[..., Any], values: Mapping[str, Any], *, rows: bool
) -> _Template:
    """The cached template of this shape; or, where the values shape the SQL, one of these values."""
    lengths = tuple(len(value) for value in values.values() if isinstance(value, list | tuple))
    shape = (connection.alias, connection.vendor, rows, key, lengths)
    cached = _templates.get(shape, _UNSEEN)  # one look-up: another thread may clear the cache
    if cached is not _UNSEEN:
        return cached if cached is not None else _built(build, values, rows)
    built = _built(build, values, rows)
    template = _template(build, values, rows)
    agree = template.sql == built.sql and template.with_values(values) == list(built.params)
    if len(_templates) >= _MAX_SHAPES:
        _templates.clear()
    _templates[shape] = template if agree else None  # None: the values shape the SQL, built every time
    return built


def _built(build: Callable[..., Any], values: Mapping[str, Any], rows: bool) -> _Template:
    """`build(values)` compiled, as a template without slots (its parameters are the values')."""
    if not rows:
        sql, params = build(values)
        return _Template(sql=sql, params=tuple(params), slots=(), rows=None)
    queryset = build(values)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()  # and the compiler knows its columns and their models
    return _Template(sql=sql, params=tuple(params), slots=(), rows=_Rows(queryset, compiler))


def _template(build: Callable[..., Any], values: Mapping[str, Any], rows: bool) -> _Template:
    stand_ins: dict[str, Any] = {}
    names: dict[tuple[str, Any], tuple[str, int | None]] = {}  # (kind, stand-in) -> (name, list index)
    counter = 0

    def stand_in(name: str, index: int | None, value: Any) -> Any:
        nonlocal counter
        counter += 1
        if isinstance(value, bool) or not isinstance(value, int | float | str | datetime):
            raise TypeError(f"compiled_sql: {name} is not an int, a float, a str or a datetime")
        if isinstance(value, datetime):
            made: Any = _DATETIME_BASE + timedelta(seconds=counter, microseconds=counter)
            names[("datetime", made)] = names[("adapted", connection.ops.adapt_datetimefield_value(made))] = (
                name,
                index,
            )
        elif isinstance(value, str):
            made = f"{_STR_PREFIX}{counter}"
            names[("str", made)] = (name, index)
        elif isinstance(value, float):
            made = _INT_BASE + counter + 0.25
            names[("float", made)] = (name, index)
        else:
            made = _INT_BASE + counter
            names[("int", made)] = (name, index)
        return made

    for name, value in values.items():
        if isinstance(value, list | tuple):
            stand_ins[name] = [stand_in(name, index, item) for index, item in enumerate(value)]
        else:
            stand_ins[name] = stand_in(name, None, value)
    list_names = {tuple(made): name for name, made in stand_ins.items() if isinstance(made, list)}
    compiled = _built(build, stand_ins, rows)
    slots: list[tuple[int, str, int | None, Callable[[Any], Any] | None]] = []
    for position, param in enumerate(compiled.params):
        if isinstance(param, list | tuple):
            if tuple(param) in list_names:
                slots.append((position, list_names[tuple(param)], None, None))
            continue
        found, convert = _stand_in_of(param, names)
        if found is not None:
            slots.append((position, *found, convert))
    return _Template(sql=compiled.sql, params=compiled.params, slots=tuple(slots), rows=compiled.rows)


def _stand_in_of(
    param: Any, names: dict[tuple[str, Any], tuple[str, int | None]]
) -> tuple[tuple[str, int | None] | None, Callable[[Any], Any] | None]:
    """The value a parameter stands in for, and how a real value is passed in its place."""
    if isinstance(param, bool):
        return None, None
    if isinstance(param, datetime):
        return names.get(("datetime", param)), None
    if isinstance(param, int):  # psycopg's Int4 and Int8 too: the real value is wrapped alike
        return names.get(("int", int(param))), None if type(param) is int else type(param)
    if isinstance(param, float):
        return names.get(("float", float(param))), None if type(param) is float else type(param)
    if isinstance(param, str) and param.startswith(_STR_PREFIX):
        return names.get(("str", param)), None
    try:
        return names.get(("adapted", param)), connection.ops.adapt_datetimefield_value
    except TypeError:  # an unhashable constant (a JSON value): not a stand-in
        return None, None
