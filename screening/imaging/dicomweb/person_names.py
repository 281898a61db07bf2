"""Person Names in QIDO-RS: answered as DICOM JSON PN objects, matched group by group.

A stored name is its DICOM string form: values separated by backslashes, each value up to three
component groups separated by ``=`` (alphabetic, ideographic, phonetic), components by ``^``.
"""

import re
from typing import Any

from django.db.models import Q

PN = "PN"
_GROUPS = ("Alphabetic", "Ideographic", "Phonetic")
# One group of one value: what a wildcard may stand for.
_IN_GROUP = r"[^=\\]"


def person_name_element(stored: str) -> dict[str, Any]:
    """A PN element of the DICOM JSON model (PS3.18 F.2.2): one object per name, empty groups left out."""
    if not stored:
        return {"vr": PN}
    return {"vr": PN, "Value": [_name_object(value) for value in stored.split("\\")]}


def _name_object(value: str) -> dict[str, str] | None:
    # A fourth group or more is not DICOM; only the three defined ones are answered.
    named = zip(_GROUPS, value.split("=")[: len(_GROUPS)], strict=False)
    groups = {key: group for key, group in named if group}
    return groups or None


def person_name_match(field: str, key: str) -> Q:
    """Names of which one component group matches the key, ignoring case (``*``, ``?`` wildcards).

    Trailing empty components mean nothing (``Smith`` is ``Smith^^^^``); a key with ``=`` groups
    matches those groups in order.
    """
    pattern = "".join(
        f"{_IN_GROUP}*" if char == "*" else _IN_GROUP if char == "?" else re.escape(char) for char in key
    )
    return Q(**{f"{field}__iregex": rf"(^|[=\\]){pattern}\^*($|[=\\])"})
