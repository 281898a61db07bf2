"""FHIR search parameters, read strictly: what a resource's search does not support is a 400.

Dates take FHIR's prefixes (eq, ge, gt, le, lt) on a day (YYYY-MM-DD), and may be repeated to
make a range; `patient` (or `subject`) is "Patient/<id>" or the bare id; `_count` is 1 to
MAX_COUNT. Anything else, or a value that cannot be read, raises `SearchError`.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.http import QueryDict

DEFAULT_COUNT = 50
MAX_COUNT = 200
# Parameters every search accepts (the client's preferred format is always JSON here).
COMMON = frozenset({"_count", "_format"})
_DATE = re.compile(r"^(eq|ge|gt|le|lt)?(\d{4}-\d{2}-\d{2})$")
_ID = re.compile(r"^(?:Patient/)?(\d{1,18})$")
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})


class SearchError(ValueError):
    """A search parameter the server does not support, or a value it cannot read."""


@dataclass(frozen=True)
class Search:
    """A resource search: the participant, the first and last day (inclusive), how many."""

    patient_id: int | None = None
    first_day: date | None = None
    last_day: date | None = None
    identifier: str | None = None
    count: int = DEFAULT_COUNT


def search_read(params: QueryDict, *, supported: frozenset[str]) -> Search:
    """The search asked for; raises SearchError on an unsupported parameter or a bad value."""
    unknown = sorted(set(params) - supported - COMMON)
    if unknown:
        raise SearchError(f"Unsupported search parameter: {unknown[0][:40]}")
    if "_format" in params and params["_format"] not in JSON_FORMATS:
        raise SearchError("Only JSON is supported.")
    first, last = _days(params.getlist("date"))
    return Search(
        patient_id=_patient(params),
        first_day=first,
        last_day=last,
        identifier=params.get("identifier") or None,
        count=_count(params.get("_count")),
    )


def resource_id(text: str) -> int | None:
    """The integer behind a FHIR id, or None for an id this server never issues."""
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _patient(params: QueryDict) -> int | None:
    values = params.getlist("patient") + params.getlist("subject")
    if not values:
        return None
    if len(set(values)) > 1:
        raise SearchError("Give one patient.")
    found = _ID.match(values[0])
    if not found:
        raise SearchError("patient is Patient/<id>.")
    return int(found.group(1))


def _days(values: list[str]) -> tuple[date | None, date | None]:
    first: date | None = None
    last: date | None = None
    for value in values:
        found = _DATE.match(value)
        if not found:
            raise SearchError("date is [eq|ge|gt|le|lt]YYYY-MM-DD.")
        prefix = found.group(1) or "eq"
        try:
            day = date.fromisoformat(found.group(2))
            if not date.min < day < date.max:
                raise ValueError("the first or last day there is")
            start = day + timedelta(days=1) if prefix == "gt" else day
            end = day - timedelta(days=1) if prefix == "lt" else day
        except (ValueError, OverflowError) as error:
            raise SearchError("No such date.") from error
        if prefix in ("eq", "ge", "gt"):
            first = max(first, start) if first else start
        if prefix in ("eq", "le", "lt"):
            last = min(last, end) if last else end
    return first, last


def _count(value: str | None) -> int:
    if value is None:
        return DEFAULT_COUNT
    if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
        raise SearchError(f"_count is a number from 1 to {MAX_COUNT}.")
    return int(value)
