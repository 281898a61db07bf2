"""SQL compiled once per shape of a query, then run with each call's values.

Django's ORM builds and compiles a query on every call: for a query with a few subqueries (the
reading worklist's page and band counts) that is a millisecond or more of CPU, several times the
query's own work. A query whose calls differ only in values that end up as parameters (a user id,
"now", a cursor's keys) has one SQL text per shape: `compiled_sql` builds it once with stand-in
values, finds where each stand-in landed among the parameters, and afterwards puts each call's
values there without building anything.

The first call of a shape also builds the query with the real values and checks that the two
agree (same SQL, same parameters once the real values are put in place); a shape where they do
not (a value Django writes into the SQL text itself, a stand-in equal to a constant of the query)
is never cached and is built on every call, as before.
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection

# Stand-ins in the range of a small integer column (Django leaves a value outside a column's range
# out of the SQL altogether), unlike any constant of the queries cached here.
_INT_BASE = 32_001
_DATETIME_BASE = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
_MAX_SHAPES = 512  # a guard: shapes are few (filters present or not, page size)

Build = Callable[[Mapping[str, Any]], tuple[str, Sequence[Any]]]


@dataclass(frozen=True)
class _Template:
    sql: str
    params: tuple[Any, ...]  # as compiled with the stand-ins
    # (parameter index, value name, list index, how the value is passed: as it is, or as the
    # stand-in was: adapted to the database's datetime form, or wrapped in its integer type)
    slots: tuple[tuple[int, str, int | None, Callable[[Any], Any] | None], ...]

    def with_values(self, values: Mapping[str, Any]) -> list[Any]:
        params = list(self.params)
        for position, name, index, convert in self.slots:
            value = values[name] if index is None else values[name][index]
            params[position] = value if convert is None else convert(value)
        return params


_templates: dict[Hashable, _Template | None] = {}


def compiled_sql(key: Hashable, build: Build, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """(sql, params) of `build(values)`; built once per `key` (with the database's vendor and the
    lengths of list values added), which must name everything of the query's shape that `values`
    do not hold.

    `values`: ints, floats, aware datetimes and lists of ints; `build` must pass each to the ORM (or
    as a parameter of its own SQL) unchanged."""
    lengths = tuple(len(value) for value in values.values() if isinstance(value, list | tuple))
    shape = (connection.vendor, key, lengths)
    if shape in _templates:
        cached = _templates[shape]
        if cached is not None:
            return cached.sql, cached.with_values(values)
        sql, params = build(values)
        return sql, list(params)
    sql, params = build(values)
    template = _template(build, values)
    agree = template.sql == sql and template.with_values(values) == list(params)
    if len(_templates) >= _MAX_SHAPES:
        _templates.clear()
    _templates[shape] = template if agree else None  # None: the values shape the SQL, built every time
    return sql, list(params)


def _template(build: Build, values: Mapping[str, Any]) -> _Template:
    stand_ins: dict[str, Any] = {}
    names: dict[tuple[str, Any], tuple[str, int | None]] = {}  # (kind, stand-in) -> (name, list index)
    counter = 0

    def stand_in(name: str, index: int | None, value: Any) -> Any:
        nonlocal counter
        counter += 1
        if isinstance(value, bool) or not isinstance(value, int | float | datetime):
            raise TypeError(f"compiled_sql: {name} is not an int, a float or a datetime")
        if isinstance(value, datetime):
            made: Any = _DATETIME_BASE + timedelta(seconds=counter, microseconds=counter)
            names[("datetime", made)] = names[("adapted", connection.ops.adapt_datetimefield_value(made))] = (
                name,
                index,
            )
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
    sql, params = build(stand_ins)
    slots: list[tuple[int, str, int | None, Callable[[Any], Any] | None]] = []
    for position, param in enumerate(params):
        if isinstance(param, list | tuple):
            if tuple(param) in list_names:
                slots.append((position, list_names[tuple(param)], None, None))
            continue
        found, convert = _stand_in_of(param, names)
        if found is not None:
            slots.append((position, *found, convert))
    return _Template(sql=sql, params=tuple(params), slots=tuple(slots))


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
    try:
        return names.get(("adapted", param)), connection.ops.adapt_datetimefield_value
    except TypeError:  # an unhashable constant (a JSON value): not a stand-in
        return None, None
