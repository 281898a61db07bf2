"""The matching keys of a Modality Worklist C-FIND, read from its identifier into one query.

DICOM matching (PS3.4 C.2.2.2): an empty key or "*" matches everything (universal matching); a
value with "*" or "?" is a wildcard; a date is one day or a range ("20261207-20261231", "-2026...",
"2026...-"); keys inside the Scheduled Procedure Step Sequence's one item match the step
(sequence matching). Anything unreadable is a `WorklistKeyError`: the query is refused, never
guessed at.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

SPS_SEQUENCE = "ScheduledProcedureStepSequence"
# Keys the worklist matches on (the rest of the identifier are return keys only).
PATIENT_KEYS = ("PatientID", "IssuerOfPatientID", "PatientName", "AccessionNumber", "PatientBirthDate")
STEP_KEYS = ("Modality", "ScheduledStationAETitle", "ScheduledProcedureStepStartDate")
_DATE = re.compile(r"^\d{8}$")


class WorklistKeyError(ValueError):
    """A matching key the worklist cannot read (a malformed date, several step items)."""


@dataclass(frozen=True)
class DateRange:
    """Inclusive first and last day; None is open-ended."""

    first: date | None
    last: date | None


@dataclass(frozen=True)
class WorklistQuery:
    """The matching keys that were given (None: universal), as text patterns and date ranges."""

    patient_id: str | None = None
    issuer: str | None = None
    patient_name: str | None = None
    accession_number: str | None = None
    birth_date: DateRange | None = None
    modality: str | None = None
    station_ae_title: str | None = None
    scheduled_date: DateRange | None = None
    # The names of the keys given, for the audit trail (never their values).
    key_names: tuple[str, ...] = field(default=())


def worklist_query_parse(identifier: Dataset) -> WorklistQuery:
    """The matching keys of a C-FIND identifier; raises WorklistKeyError on one it cannot read."""
    step = _step_item(identifier)
    values: dict[str, str] = {}
    for keyword in PATIENT_KEYS:
        values[keyword] = _text(identifier, keyword)
    for keyword in STEP_KEYS:
        values[keyword] = _text(step, keyword) if step is not None else ""
    given = {keyword: value for keyword, value in values.items() if not _universal(value)}
    return WorklistQuery(
        patient_id=given.get("PatientID"),
        issuer=given.get("IssuerOfPatientID"),
        patient_name=given.get("PatientName"),
        accession_number=given.get("AccessionNumber"),
        birth_date=_date_range(given["PatientBirthDate"]) if "PatientBirthDate" in given else None,
        modality=given.get("Modality"),
        station_ae_title=given.get("ScheduledStationAETitle"),
        scheduled_date=(
            _date_range(given["ScheduledProcedureStepStartDate"])
            if "ScheduledProcedureStepStartDate" in given
            else None
        ),
        key_names=tuple(sorted(given)),
    )


def wildcard_regex(pattern: str) -> str:
    """A DICOM wildcard pattern as an anchored regular expression ("*" any run, "?" one character)."""
    pieces = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return "^" + "".join(pieces) + "$"


def wildcard_matches(pattern: str | None, value: str) -> bool:
    """Whether a value matches a DICOM pattern (None or "*": universal), as the database would."""
    if pattern is None or _universal(pattern):
        return True
    return re.match(wildcard_regex(pattern), value) is not None


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _step_item(identifier: Dataset) -> Dataset | None:
    sequence = identifier.get(SPS_SEQUENCE)
    if not sequence:
        return None  # absent, or present and empty: universal sequence matching
    if len(sequence) > 1:
        raise WorklistKeyError("the Scheduled Procedure Step Sequence has more than one item")
    item: Dataset = sequence[0]
    return item


def _text(dataset: Dataset, keyword: str) -> str:
    value = dataset.get(keyword)
    if value is None:
        return ""
    if isinstance(value, MultiValue | Sequence):
        raise WorklistKeyError(f"{keyword} has several values")
    return str(value).strip()


def _universal(value: str) -> bool:
    return value == "" or set(value) <= {"*"}


def _date_range(value: str) -> DateRange:
    first, dash, last = value.partition("-")
    if not dash:
        day = _date(first)
        return DateRange(day, day)
    if not first and not last:
        raise WorklistKeyError("a date range needs at least one end")
    return DateRange(_date(first) if first else None, _date(last) if last else None)


def _date(text: str) -> date:
    if not _DATE.match(text):
        raise WorklistKeyError("a date is YYYYMMDD")
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError as error:
        raise WorklistKeyError("no such date") from error
