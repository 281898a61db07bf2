"""Values as a person reads them: DICOM dates and times, durations, and histories in time order.

Load with ``{% load display %}``. A value that is not what a filter expects is shown as it is,
never hidden; an empty one gives ``""`` so ``|default:"-"`` can follow.
"""

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django import template

register = template.Library()

# DICOM TM: HH, HHMM, HHMMSS, HHMMSS.FFFFFF; the older ACR-NEMA form has colons (HH:MM:SS).
_DICOM_TIME = re.compile(r"^(\d\d)(?::?(\d\d)(?::?(\d\d)(?:\.\d{1,6})?)?)?$")
# DICOM DA: YYYYMMDD; the older ACR-NEMA form has dots (YYYY.MM.DD).
_DICOM_DATE = re.compile(r"^(\d{4})\.?(\d\d)\.?(\d\d)$")
_UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


@register.filter
def dicom_time(value: Any) -> str:
    """A DICOM time (``141413.064641``) as ``14:14:13``; fractions of a second are left out."""
    text = str(value or "").strip()
    match = _DICOM_TIME.match(text)
    if not match:
        return text
    hours, minutes, seconds = match.group(1), match.group(2) or "00", match.group(3)
    if int(hours) > 23 or int(minutes) > 59 or (seconds is not None and int(seconds) > 60):
        return text
    return f"{hours}:{minutes}" + (f":{seconds}" if seconds is not None else "")


@register.filter
def dicom_date(value: Any) -> str:
    """A DICOM date (``20240315``) or a date as ``2024-03-15``, the way every page writes dates."""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value or "").strip()
    match = _DICOM_DATE.match(text)
    if not match:
        return text
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except ValueError:
        return text


@register.filter
def duration(value: Any) -> str:
    """A timedelta or a number of seconds in its two largest units: ``13 min 52 s``, ``1 d 4 h``."""
    if value is None or value == "":
        return ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign, remaining = ("-" if seconds < 0 else ""), int(abs(seconds))
    parts: list[tuple[int, str]] = []
    for unit, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count or parts:
            parts.append((count, unit))
    shown = [f"{count} {unit}" for count, unit in parts[:2] if count] or ["0 s"]
    return sign + " ".join(shown)


@register.filter
def in_time_order(first: Iterable[Any], second: Iterable[Any]) -> list[Any]:
    """Two histories as one, oldest first, by ``occurred_at`` (or their ``event``'s)."""
    return sorted([*first, *second], key=_occurred_at)


def _occurred_at(item: Any) -> Any:
    when = getattr(item, "occurred_at", None)
    return when if when is not None else item.event.occurred_at


@register.simple_tag
def excluding(items: Iterable[Any], **attributes: Any) -> list[Any]:
    """The items lacking the given attribute values (``{% excluding opinions slot_id=slot.pk as x %}``)."""
    return [item for item in items if not all(getattr(item, k, None) == v for k, v in attributes.items())]
