"""Reading and checking a participant CSV: file-level checks, then row by row.

Nothing here writes to the database. A file that cannot be read as a whole (not UTF-8, binary,
not CSV, wrong header, too big) raises ValidationError; a readable file gives one ImportRow per
data row, each with its problems, so the preview can show exactly what is wrong and where.
Messages never quote the values of a row: they end up in the import's stored errors.
"""

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import CharField

from screening.patients.identifiers import NHS_ISSUER, normalise_identifier, normalise_issuer
from screening.patients.models import ConsentScope, Patient
from screening.patients.patient_services import patient_validate


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required: bool
    description: str


COLUMNS = (
    ColumnSpec("identifier", True, "Programme identifier; for the NHS a 10-digit NHS number"),
    ColumnSpec("issuer", False, f"Who issued the identifier; blank means {NHS_ISSUER}"),
    ColumnSpec("family_name", True, "Family name"),
    ColumnSpec("given_name", True, "Given name"),
    ColumnSpec("date_of_birth", True, "YYYY-MM-DD, e.g. 1961-04-23"),
    ColumnSpec("sex", True, "F, M or O"),
    ColumnSpec("email", False, "E-mail address"),
    ColumnSpec("phone", False, "Phone number"),
    ColumnSpec("address", False, "Postal address"),
    ColumnSpec("postcode", False, "Postcode"),
    ColumnSpec("consent_screening", False, "yes = screening consent granted; no or blank = not granted"),
    ColumnSpec(
        "consent_ai_reading", False, "yes = consent to AI-assisted reading; no or blank = not granted"
    ),
    ColumnSpec("consent_research", False, "yes = consent to research use; no or blank = not granted"),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)
CONSENT_COLUMNS = {
    "consent_screening": ConsentScope.SCREENING,
    "consent_ai_reading": ConsentScope.AI_READING,
    "consent_research": ConsentScope.RESEARCH,
}
TEXT_FIELDS = ("identifier", "issuer", "family_name", "given_name", "email", "phone", "address", "postcode")


def _max_length(name: str) -> int:
    field = Patient._meta.get_field(name)
    if not isinstance(field, CharField) or field.max_length is None:
        raise TypeError(f"Patient.{name} is not a bounded text field.")
    return field.max_length


MAX_LENGTHS = {name: _max_length(name) for name in TEXT_FIELDS}
MAX_STORED_PROBLEMS = 10_000

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# C0 control characters other than tab, CR and LF: a sign of a binary file, never of a CSV.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "This looks like an Excel workbook or a ZIP archive",
    b"\xd0\xcf\x11\xe0": "This looks like an old Excel workbook",
    b"%PDF": "This looks like a PDF document",
}
_CONSENT_VALUES = {"yes": True, "no": False, "": False}


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, int | str]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportRow:
    """One data row: the participant it describes, the consents it grants, what is wrong with it."""

    number: int
    patient: Patient | None
    consent_scopes: tuple[str, ...] = ()
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def add_problem(self, field_name: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, field_name, message))


@dataclass(frozen=True)
class ImportTable:
    """The header and the data rows of a file, as numbered in a spreadsheet (header = row 1)."""

    header: tuple[str, ...]
    records: list[tuple[int, list[str]]]


@dataclass
class ImportReport:
    rows: list[ImportRow]

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_count(self) -> int:
        return sum(1 for row in self.rows if not row.is_valid)

    @property
    def valid_count(self) -> int:
        return len(self.rows) - self.invalid_count

    def problems_for_storage(self) -> list[dict[str, int | str]]:
        """The problems in row order, at most MAX_STORED_PROBLEMS of them."""
        problems = (problem for row in self.rows for problem in row.problems)
        return [problem.as_dict() for problem in islice(problems, MAX_STORED_PROBLEMS)]


def import_table_read(content: bytes, *, max_rows: int) -> ImportTable:
    """Decode and parse a whole file; raise ValidationError when it cannot be read as a whole."""
    reader = csv.reader(io.StringIO(_decode(content), newline=""), strict=True)
    header = _read_header(reader)
    records: list[tuple[int, list[str]]] = []
    try:
        for number, fields in enumerate(reader, start=2):
            if not any(value.strip() for value in fields):
                continue  # blank lines, and the ",,,," lines spreadsheets leave at the end
            if len(records) == max_rows:
                raise ValidationError(f"The file has more than {max_rows} participant rows; split it.")
            records.append((number, fields))
    except csv.Error as error:
        raise ValidationError(f"The file is not valid CSV near row {reader.line_num}: {error}.") from error
    if not records:
        raise ValidationError("The file has a header but no participant rows.")
    return ImportTable(header=header, records=records)


def import_table_head(content: bytes, *, limit: int) -> ImportTable:
    """The header and first `limit` data rows, for showing; empty when the file is unreadable."""
    head = content[: 64 * 1024 + limit * 4096]
    if len(head) < len(content):
        head = head[: head.rfind(b"\n") + 1]  # cut at a line end, never inside a UTF-8 character
    try:
        reader = csv.reader(io.StringIO(_decode(head), newline=""))
        header = _read_header(reader)
        records = []
        for number, fields in enumerate(reader, start=2):
            if any(value.strip() for value in fields):
                records.append((number, fields))
            if len(records) == limit:
                break
    except (csv.Error, ValidationError):
        return ImportTable(header=(), records=[])
    return ImportTable(header=header, records=records)


def import_rows_validate(table: ImportTable) -> ImportReport:
    """Check every row on its own, then identifiers across the file and against the register."""
    rows = [_row_validate(number, table.header, fields) for number, fields in table.records]
    _flag_duplicates_in_file(rows)
    _flag_already_registered(rows)
    return ImportReport(rows=rows)


def _decode(content: bytes) -> str:
    for signature, what in _BINARY_SIGNATURES.items():
        if content.startswith(signature):
            raise ValidationError(f"{what}, not a CSV file. Save it as 'CSV UTF-8' and upload that.")
    if b"\x00" in content:
        raise ValidationError("This is a binary file, not a CSV text file.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (the first bad byte is at position {error.start}). "
            "Save it as 'CSV UTF-8' and upload it again."
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
    _check_header(header)
    return header


def _check_header(header: tuple[str, ...]) -> None:
    problems = []
    if len(header) == 1 and ";" in header[0]:
        problems.append("The columns are separated by semicolons; separate them by commas.")
    unnamed = [str(position) for position, name in enumerate(header, start=1) if not name]
    if unnamed:
        problems.append(f"Column {', '.join(unnamed)} has no name.")
    unknown = sorted({name for name in header if name and name not in COLUMN_NAMES})
    if unknown and not problems:
        problems.append(f"Unknown columns: {', '.join(unknown)}. Known columns: {', '.join(COLUMN_NAMES)}.")
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        problems.append(f"Columns named more than once: {', '.join(repeated)}.")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(f"Missing required columns: {', '.join(missing)}.")
    if problems:
        raise ValidationError(problems)


def _row_validate(number: int, header: tuple[str, ...], fields: list[str]) -> ImportRow:
    if len(fields) != len(header):
        row = ImportRow(number=number, patient=None)
        row.add_problem("", f"Expected {len(header)} fields, found {len(fields)}.")
        return row
    values = {name: value.strip() for name, value in zip(header, fields, strict=True)}
    row = ImportRow(number=number, patient=None)
    date_of_birth = _date_of_birth(row, values["date_of_birth"])
    issuer = normalise_issuer(values.get("issuer") or NHS_ISSUER)
    row.patient = Patient(
        identifier=normalise_identifier(values["identifier"], issuer),
        issuer=issuer,
        family_name=values["family_name"],
        given_name=values["given_name"],
        date_of_birth=date_of_birth,  # type: ignore[misc]  # None when unreadable; the row is invalid
        sex=values["sex"].upper(),
        email=values.get("email", ""),
        phone=values.get("phone", ""),
        address=values.get("address", ""),
        postcode=values.get("postcode", "").upper(),
    )
    _check_patient(row, row.patient)
    row.consent_scopes = _consent_scopes(row, values)
    return row


def _date_of_birth(row: ImportRow, value: str) -> date | None:
    if not value:
        row.add_problem("date_of_birth", "Date of birth is missing.")
        return None
    if not _ISO_DATE.fullmatch(value):
        row.add_problem("date_of_birth", "Date of birth must be written YYYY-MM-DD, e.g. 1961-04-23.")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        row.add_problem("date_of_birth", "Date of birth is not a real date.")
        return None


def _check_patient(row: ImportRow, patient: Patient) -> None:
    """The register's own rules (patient_validate), plus what a bulk insert needs checked first."""
    try:
        patient_validate(patient)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            for message in messages:
                row.add_problem(field_name, message)
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(patient, name)) > limit:
            row.add_problem(name, f"Longer than {limit} characters.")
    if patient.email:
        try:
            validate_email(patient.email)
        except ValidationError:
            row.add_problem("email", "Not a valid e-mail address.")


def _consent_scopes(row: ImportRow, values: dict[str, str]) -> tuple[str, ...]:
    scopes = []
    for column, scope in CONSENT_COLUMNS.items():
        granted = _CONSENT_VALUES.get(values.get(column, "").lower())
        if granted is None:
            row.add_problem(column, "Consent must be yes, no or blank.")
        elif granted:
            scopes.append(scope)
    return tuple(scopes)


def _flag_duplicates_in_file(rows: list[ImportRow]) -> None:
    """Every row of an identifier that appears twice is invalid: the file cannot say which is right."""
    numbers_by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        if row.patient is not None and row.patient.identifier:
            numbers_by_key[(row.patient.issuer, row.patient.identifier)].append(row.number)
    repeated = {key: numbers for key, numbers in numbers_by_key.items() if len(numbers) > 1}
    if not repeated:
        return
    for row in rows:
        if row.patient is None:
            continue
        numbers = repeated.get((row.patient.issuer, row.patient.identifier))
        if numbers:
            others = ", ".join(str(number) for number in numbers if number != row.number)
            row.add_problem("identifier", f"The same identifier is also on row {others}.")


def _flag_already_registered(rows: list[ImportRow]) -> None:
    candidates = [row for row in rows if row.patient is not None and row.patient.identifier]
    keys = {(row.patient.issuer, row.patient.identifier) for row in candidates if row.patient}
    registered = registered_identifiers(keys)
    for row in candidates:
        if row.patient and (row.patient.issuer, row.patient.identifier) in registered:
            row.add_problem("identifier", "A participant with this identifier is already registered.")


def registered_identifiers(keys: Iterable[tuple[str, str]], chunk_size: int = 900) -> set[tuple[str, str]]:
    """Which (issuer, identifier) pairs are already registered: one query per chunk, not per row."""
    by_issuer: dict[str, list[str]] = defaultdict(list)
    for issuer, identifier in keys:
        by_issuer[issuer].append(identifier)
    registered: set[tuple[str, str]] = set()
    for issuer, identifiers in by_issuer.items():
        for start in range(0, len(identifiers), chunk_size):
            chunk = identifiers[start : start + chunk_size]
            found = Patient.objects.filter(issuer=issuer, identifier__in=chunk)
            registered.update(
                (issuer, identifier) for identifier in found.values_list("identifier", flat=True)
            )
    return registered
