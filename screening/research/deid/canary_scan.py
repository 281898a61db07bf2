"""Search every byte of every file under a folder for identifying values ("canaries").

A canary is looked for in the forms DICOM and the package store it: as given, with spaces and '^'
swapped (person names), dates as YYYYMMDD and YYYY-MM-DD, in UTF-8 and Latin-1, ignoring case.
Canaries shorter than four characters are ignored: such values (sex, initials) occur by chance all
over binary pixel data. A canary of digits only counts where no digit or '.' comes right before it,
so it is not "found" inside a keyed 2.25 UID by chance.

Each file is read in chunks; a 4-byte prefix filter (numpy) finds the few places worth comparing.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MIN_CANARY_LENGTH = 4
CHUNK_BYTES = 16 * 1024 * 1024
_HASH_BITS = 20
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DICOM_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True)
class CanaryHit:
    """One identifying value found in the package: which file, which canary, at which byte."""

    path: Path
    canary: str
    offset: int


@dataclass(frozen=True)
class _Form:
    pattern: bytes
    canary: str
    digits_only: bool


def _text_forms(canary: str) -> set[str]:
    forms = {canary, canary.replace(" ", "^"), canary.replace("^", " "), canary.lower(), canary.upper()}
    if match := _ISO_DATE.fullmatch(canary):
        forms.add("".join(match.groups()))
    if match := _DICOM_DATE.fullmatch(canary):
        forms.add("-".join(match.groups()))
    return forms


def canary_forms(canaries: Iterable[str]) -> list[_Form]:
    """The byte patterns (lower-cased ASCII) to look for; canaries under four characters are skipped."""
    forms: dict[bytes, _Form] = {}
    for raw in canaries:
        canary = raw.strip(" \x00")
        if len(canary) < MIN_CANARY_LENGTH:
            continue
        for text in _text_forms(canary):
            for encoding in ("utf-8", "latin-1"):
                try:
                    pattern = text.encode(encoding).translate(_ASCII_LOWER)
                except UnicodeEncodeError:
                    continue
                forms.setdefault(pattern, _Form(pattern, canary, text.isdigit()))
    return list(forms.values())


def _prefix_key(data: np.ndarray) -> np.ndarray:
    """Little-endian 32-bit value of every 4-byte window."""
    words = data[:-3].astype(np.uint32)
    words |= data[1:-2].astype(np.uint32) << 8
    words |= data[2:-1].astype(np.uint32) << 16
    words |= data[3:].astype(np.uint32) << 24
    return words


def _bucket(keys: np.ndarray) -> np.ndarray:
    return ((keys * np.uint32(2654435761)) >> np.uint32(32 - _HASH_BITS)).astype(np.int64)


class _Matcher:
    def __init__(self, forms: list[_Form]) -> None:
        self.by_prefix: dict[int, list[_Form]] = defaultdict(list)
        for form in forms:
            self.by_prefix[int.from_bytes(form.pattern[:4], "little")].append(form)
        self.longest = max((len(form.pattern) for form in forms), default=4)
        self.filter = np.zeros(1 << _HASH_BITS, dtype=bool)
        if self.by_prefix:
            prefixes = np.fromiter(self.by_prefix, dtype=np.uint32, count=len(self.by_prefix))
            self.filter[_bucket(prefixes)] = True

    def matches(self, lowered: bytes, limit: int) -> Iterator[tuple[int, _Form]]:
        """Matches starting before `limit` in the lowered chunk."""
        if len(lowered) < 4:
            return
        keys = _prefix_key(np.frombuffer(lowered, dtype=np.uint8))[:limit]
        for start in np.nonzero(self.filter[_bucket(keys)])[0].tolist():
            for form in self.by_prefix.get(int(keys[start]), ()):
                if not lowered.startswith(form.pattern, start):
                    continue
                if form.digits_only and start and lowered[start - 1 : start] in b"0123456789.":
                    continue
                yield start, form


def _scan_file(path: Path, matcher: _Matcher) -> Iterator[CanaryHit]:
    overlap = matcher.longest  # keeps one byte before a match for the digits-only rule
    with path.open("rb") as stream:
        base, carried = 0, b""
        while chunk := stream.read(CHUNK_BYTES):
            data = (carried + chunk).translate(_ASCII_LOWER)
            more = len(chunk) == CHUNK_BYTES
            limit = len(data) - overlap if more else len(data)
            for start, form in matcher.matches(data, limit):
                yield CanaryHit(path=path, canary=form.canary, offset=base + start)
            keep = min(overlap, len(data)) if more else 0
            carried = data[len(data) - keep :] if keep else b""
            base += len(data) - len(carried)


def scan_for_canaries(root: Path, canaries: Iterable[str]) -> list[CanaryHit]:
    """Every place under root where one of the canaries appears, in any of its stored forms."""
    matcher = _Matcher(canary_forms(canaries))
    if not matcher.by_prefix:
        return []
    hits: list[CanaryHit] = []
    for path in sorted(item for item in Path(root).rglob("*") if item.is_file()):
        hits.extend(_scan_file(path, matcher))
    return hits
