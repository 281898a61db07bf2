"""Reading and checking a registry or pathology CSV: file-level checks, then row by row.

Nothing here writes. A file that cannot be read as a whole (binary, not UTF-8, not CSV, wrong
header, too many rows) raises ValidationError; a readable file gives one RegistryRow per data row
with what it will do (record a new diagnosis, skip a duplicate, queue an unmatched identifier) or
why it is invalid. Messages never quote a row's values: they are stored with the import.
"""

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from screening.outcomes.models import Diagnosis, PathologyKind, Side, UnmatchedDiagnosis
from screening.outcomes.outcome_services import MAX_SIZE_MM
from screening.patients.identifiers import (
    NHS_ISSUER,
    normalise_identifier,
    normalise_issuer,
    validate_identifier,
    validate_issuer,
)
from screening.patients.models import Patient

COLUMNS = (
    ("identifier", True, "The participant's programme identifier, e.g. the NHS number"),
    ("issuer", False, f"Who issued the identifier; blank means {NHS_ISSUER}"),
    ("diagnosis_date", True, "YYYY-MM-DD"),
    ("laterality", False, "R, L, right, left, or blank (lung, or not known)"),
    ("pathology", True, "invasive, dcis, benign or other"),
    ("size_mm", False, f"Invasive size in millimetres, up to {MAX_SIZE_MM:.0f}; blank if not known"),
    ("source", True, "Who reported it, e.g. the regional cancer registry"),
)
COLUMN_NAMES = tuple(name for name, _, _ in COLUMNS)
REQUIRED_COLUMNS = tuple(name for name, required, _ in COLUMNS if required)
_LATERALITY = {
    "r": Side.RIGHT,
    "right": Side.RIGHT,
    "l": Side.LEFT,
    "left": Side.LEFT,
    "": Side.NOT_APPLICABLE,
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\x1f\x8b")


class RowAction:
    NEW = "new"
    DUPLICATE = "duplicate"
    UNMATCHED = "unmatched"
    INVALID = "invalid"


ACTION_LABELS = {
    RowAction.NEW: "records a new diagnosis",
    RowAction.DUPLICATE: "already recorded: changes nothing",
    RowAction.UNMATCHED: "no such participant: goes to the unmatched queue",
    RowAction.INVALID: "invalid",
}


@dataclass
class RegistryRow:
    """One data row: its values once read, the participant it matches, what importing it does."""

    number: int
    identifier: str = ""
    issuer: str = NHS_ISSUER
    diagnosed_on: date | None = None
    side: str = ""
    kind: str = ""
    size_mm: float | None = None
    source: str = ""
    patient_id: int | None = None
    action: str = RowAction.NEW
    problems: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, field_name: str, message: str) -> None:
        self.problems.append((field_name, message))
        self.action = RowAction.INVALID

    @property
    def fingerprint(self) -> str:
        """The row's key: the same diagnosis from the same source, whichever file brings it."""
        size = "" if self.size_mm is None else f"{self.size_mm:g}"
        key = "|".join([self.issuer, self.identifier, str(self.diagnosed_on), self.side, self.kind, size])
        return hashlib.sha256(f"{key}|{self.source.casefold()}".encode()).hexdigest()

    @property
    def reasons(self) -> list[str]:
        return [message for _, message in self.problems] or [ACTION_LABELS[self.action]]


def registry_rows_read(content: bytes, *, max_rows: int) -> list[RegistryRow]:
    """Every row of a file, checked and classified; ValidationError when unreadable as a whole."""
    reader = csv.reader(io.StringIO(_decode(content), newline=""), strict=True)
    header = _read_header(reader)
    rows: list[RegistryRow] = []
    try:
        for number, fields in enumerate(reader, start=2):
            if not any(value.strip() for value in fields):
                continue
            if len(rows) == max_rows:
                raise ValidationError(f"The file has more than {max_rows} rows; split it.")
            rows.append(_row_read(number, header, fields))
    except csv.Error as error:
        raise ValidationError(f"The file is not valid CSV near row {reader.line_num}: {error}.") from error
    if not rows:
        raise ValidationError("The file has a header but no rows.")
    _classify(rows)
    return rows


def _decode(content: bytes) -> str:
    if content.startswith(_BINARY_SIGNATURES) or b"\x00" in content:
        raise ValidationError("This is a binary file (a spreadsheet, archive or document), not a CSV file.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (the first bad byte is at position {error.start})."
        ) from error
    if _CONTROL_CHARACTERS.search(text):
        raise ValidationError("The file contains control characters: it is not a CSV text file.")
    return text


def _read_header(reader: Iterator[list[str]]) -> tuple[str, ...]:
    try:
        header = tuple(name.strip().lower() for name in next(reader, []))
    except csv.Error as error:
        raise ValidationError(f"The header row is not valid CSV: {error}.") from error
    if not any(header):
        raise ValidationError("The file is empty: the first row must name the columns.")
    unknown = sorted({name for name in header if name not in COLUMN_NAMES})
    repeated = sorted({name for name in header if header.count(name) > 1})
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    problems = []
    if unknown:
        problems.append(
            f"Unknown columns: {', '.join(unknown) or '(unnamed)'}. Known: {', '.join(COLUMN_NAMES)}."
        )
    if repeated:
        problems.append(f"Columns named more than once: {', '.join(repeated)}.")
    if missing:
        problems.append(f"Missing required columns: {', '.join(missing)}.")
    if problems:
        raise ValidationError(problems)
    return header


def _row_read(number: int, header: tuple[str, ...], fields: list[str]) -> RegistryRow:
    row = RegistryRow(number=number)
    if len(fields) != len(header):
        row.refuse("", f"Expected {len(header)} fields, found {len(fields)}.")
        return row
    values = {name: value.strip() for name, value in zip(header, fields, strict=True)}
    row.issuer = normalise_issuer(values.get("issuer") or NHS_ISSUER)
    row.identifier = normalise_identifier(values["identifier"], row.issuer)
    try:
        validate_issuer(row.issuer)
        validate_identifier(row.identifier, row.issuer)
    except ValidationError as error:
        row.refuse("identifier", " ".join(error.messages))
    row.diagnosed_on = _diagnosis_date(row, values["diagnosis_date"])
    side = _LATERALITY.get(values.get("laterality", "").lower())
    if side is None:
        row.refuse("laterality", "Laterality must be R, L, right, left or blank.")
    row.side = side or ""
    row.kind = values["pathology"].lower()
    if row.kind not in PathologyKind.values:
        row.refuse("pathology", "Pathology must be invasive, dcis, benign or other.")
    row.size_mm = _size(row, values.get("size_mm", ""))
    row.source = values["source"]
    if not row.source or len(row.source) > 120:
        row.refuse("source", "The source is required, at most 120 characters.")
    return row


def _diagnosis_date(row: RegistryRow, value: str) -> date | None:
    if not _ISO_DATE.fullmatch(value):
        row.refuse("diagnosis_date", "The diagnosis date must be written YYYY-MM-DD.")
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        row.refuse("diagnosis_date", "The diagnosis date is not a real date.")
        return None
    if day > timezone.localdate():
        row.refuse("diagnosis_date", "The diagnosis date is in the future.")
    return day


def _size(row: RegistryRow, value: str) -> float | None:
    if not value:
        return None
    try:
        size = float(value)
    except ValueError:
        size = float("nan")
    if not 0 < size <= MAX_SIZE_MM:  # also refuses nan and inf
        row.refuse(
            "size_mm", f"The size must be a number of millimetres, more than 0 and at most {MAX_SIZE_MM:.0f}."
        )
        return None
    return size


def _classify(rows: list[RegistryRow]) -> None:
    """Match participants; mark rows already recorded or queued (here or earlier in the file)."""
    valid = [row for row in rows if row.action != RowAction.INVALID]
    known = _known_fingerprints([row.fingerprint for row in valid])
    patients = _patients(valid)
    seen: dict[str, int] = {}
    for row in valid:
        key = row.fingerprint
        row.patient_id = patients.get((row.issuer, row.identifier))
        if key in known or key in seen:
            row.action = RowAction.DUPLICATE
        elif row.patient_id is None:
            row.action = RowAction.UNMATCHED
        seen.setdefault(key, row.number)


def _known_fingerprints(fingerprints: list[str], chunk_size: int = 900) -> set[str]:
    """The fingerprints already recorded as diagnoses or queued as unmatched rows."""
    known: set[str] = set()
    for start in range(0, len(fingerprints), chunk_size):
        chunk = fingerprints[start : start + chunk_size]
        for model in (Diagnosis, UnmatchedDiagnosis):
            known.update(model.objects.filter(fingerprint__in=chunk).values_list("fingerprint", flat=True))
    return known


def _patients(rows: list[RegistryRow], chunk_size: int = 900) -> dict[tuple[str, str], int]:
    """{(issuer, identifier): participant id} for the rows' identifiers, a query per chunk."""
    found: dict[tuple[str, str], int] = {}
    keys = sorted({(row.issuer, row.identifier) for row in rows})
    for start in range(0, len(keys), chunk_size):
        chunk = keys[start : start + chunk_size]
        for issuer in {issuer for issuer, _ in chunk}:
            identifiers = [identifier for key_issuer, identifier in chunk if key_issuer == issuer]
            matches = Patient.objects.filter(issuer=issuer, identifier__in=identifiers)
            found.update(
                ((issuer, identifier), pk) for identifier, pk in matches.values_list("identifier", "id")
            )
    return found
