"""Search every byte of a file, or of a stream as it is written, for identifying values ("canaries").

A canary is looked for in the forms DICOM and the package store it: as given, with spaces and '^'
swapped (person names), dates as YYYYMMDD and YYYY-MM-DD, in UTF-8 and Latin-1, ignoring case.
Canaries shorter than four characters are ignored: such values (sex, initials) occur by chance all
over binary pixel data. A canary of digits only counts where no digit or '.' comes right before it,
so it is not "found" inside a keyed 2.25 UID by chance. A name of plain ASCII letters counts only as
a whole word, where no letter comes right before or after it: "Ruth" in the column "truth" or
"Long" in "Longitudinal" is not that name, but "Khan^Ruth", "RUTH 2" or "Ruth's" is.

All canaries are looked for in one pass over the bytes, which arrive in pieces of any size and are
scanned in large chunks with an overlap, so a canary across two pieces is found once. Three sieves,
each on what the last one kept: (1) numpy keeps the places where four bytes in a row all lie in the
range of bytes the canaries are written with (pixel data hardly ever has that), (2) numpy keeps those
whose first four bytes, lower-cased, begin some canary form, (3) Python compares the whole form.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MIN_CANARY_LENGTH = 4
CHUNK_BYTES = 4 * 1024 * 1024
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER_TABLE = np.frombuffer(bytes(range(256)).translate(_ASCII_LOWER), dtype=np.uint8)
_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS_AND_DOT = frozenset(b"0123456789.")


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
    whole_word: bool


def _text_forms(canary: str) -> set[str]:
    forms = {canary, canary.replace(" ", "^"), canary.replace("^", " "), canary.lower(), canary.upper()}
    digits = canary.replace("-", "")
    if len(canary) == 10 and canary[4::3] == "--" and digits.isdigit():
        forms.add(digits)  # an ISO date, also looked for as a DICOM date
    if len(canary) == 8 and canary.isdigit():
        forms.add(f"{canary[:4]}-{canary[4:6]}-{canary[6:]}")  # and the other way round
    return forms


def canary_forms(canaries: Iterable[str]) -> list[_Form]:
    """The byte patterns (lower-cased ASCII) to look for; canaries under four characters are skipped."""
    forms: dict[bytes, _Form] = {}
    for raw in canaries:
        canary = raw.strip(" \x00")
        if len(canary) < MIN_CANARY_LENGTH:
            continue
        whole_word = canary.isascii() and canary.isalpha()
        for text in _text_forms(canary):
            for encoding in ("utf-8", "latin-1"):
                try:
                    pattern = text.encode(encoding).translate(_ASCII_LOWER)
                except UnicodeEncodeError:
                    continue
                forms.setdefault(pattern, _Form(pattern, canary, text.isdigit(), whole_word))
    return list(forms.values())


class CanaryMatcher:
    """The canaries' forms, indexed for the three sieves; built once, used for every file."""

    def __init__(self, canaries: Iterable[str]) -> None:
        forms = canary_forms(canaries)
        self.by_prefix: dict[int, list[_Form]] = defaultdict(list)
        # Per prefix, the forms by length and pattern: every keyed UID begins "2.25", so a place
        # that begins so is looked up once per length rather than compared with every UID.
        self.by_length: dict[int, dict[int, dict[bytes, _Form]]] = defaultdict(dict)
        written = bytearray()
        for form in forms:
            key = int.from_bytes(form.pattern[:4], "little")
            self.by_prefix[key].append(form)
            self.by_length[key].setdefault(len(form.pattern), {})[form.pattern] = form
            written += form.pattern + form.pattern.translate(_ASCII_UPPER)
        self.prefixes = np.fromiter(self.by_prefix, dtype=np.uint32, count=len(self.by_prefix))
        self.lowest = min(written, default=0)
        self.span = max(written, default=0) - self.lowest
        # Kept between chunks: the longest form and a byte either side (for the word and digit rules).
        self.overlap = max((len(form.pattern) for form in forms), default=0) + 1

    def __bool__(self) -> bool:
        return bool(self.by_prefix)

    def matches(self, buffer: bytearray | bytes, first: int, limit: int) -> list[tuple[int, _Form]]:
        """Matches starting in [first, limit) of the buffer (whose other bytes are context)."""
        data = np.frombuffer(buffer, dtype=np.uint8)
        stop = min(limit, len(data) - MIN_CANARY_LENGTH + 1)
        if stop <= first:
            return []
        in_range = np.subtract(data, np.uint8(self.lowest), dtype=np.uint8) <= self.span
        # Four in a row: two pairs in a row (MIN_CANARY_LENGTH is 4).
        pairs = in_range[first : stop + 2] & in_range[first + 1 : stop + 3]
        run = pairs[: stop - first] & pairs[2:]
        starts = np.flatnonzero(run) + first
        if not len(starts):
            return []
        keys = np.zeros(len(starts), dtype=np.uint32)
        for shift in range(MIN_CANARY_LENGTH):
            keys |= _LOWER_TABLE[data[starts + shift]].astype(np.uint32) << (8 * shift)
        kept = np.isin(keys, self.prefixes)
        found = []
        for start, key in zip(starts[kept].tolist(), keys[kept].tolist(), strict=True):
            for length, patterns in self.by_length[key].items():
                form = patterns.get(bytes(buffer[start : start + length]).translate(_ASCII_LOWER))
                if form is not None and self._counts(buffer, start, form):
                    found.append((start, form))
        return found

    @staticmethod
    def _counts(buffer: bytearray | bytes, start: int, form: _Form) -> bool:
        """Whether the form, found at start, counts there (the digit and whole-word rules)."""
        end = start + len(form.pattern)
        before = buffer[start - 1] if start else None
        if form.digits_only and before in _DIGITS_AND_DOT:
            return False
        after = buffer[end] if end < len(buffer) else None
        return not (form.whole_word and (before in _LETTERS or after in _LETTERS))


class CanaryScanner:
    """Feed it a file's bytes in order, in pieces of any size; `finish` gives every hit."""

    def __init__(self, matcher: CanaryMatcher, path: Path) -> None:
        self.matcher, self.path = matcher, path
        self.hits: list[CanaryHit] = []
        self._buffer = bytearray()
        self._base = 0  # offset in the file of the buffer's first byte
        self._first = 0  # the buffer's bytes before this were scanned already (kept as context)

    def feed(self, piece: bytes | bytearray | memoryview) -> None:
        if not self.matcher:
            return
        self._buffer += piece
        if len(self._buffer) >= max(CHUNK_BYTES, self._first + 2 * self.matcher.overlap):
            self._scan(len(self._buffer) - self.matcher.overlap)

    def finish(self) -> list[CanaryHit]:
        if self.matcher:
            self._scan(len(self._buffer))
        return self.hits

    def _scan(self, limit: int) -> None:
        for start, form in self.matcher.matches(self._buffer, self._first, limit):
            self.hits.append(CanaryHit(path=self.path, canary=form.canary, offset=self._base + start))
        drop = max(limit - 1, 0)  # keep one scanned byte: the "before" of the next match
        del self._buffer[:drop]
        self._base += drop
        self._first = limit - drop


def scan_file(path: Path, matcher: CanaryMatcher) -> list[CanaryHit]:
    """Every place in the file where one of the matcher's canaries appears."""
    scanner = CanaryScanner(matcher, path)
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            scanner.feed(chunk)
    return scanner.finish()


def scan_for_canaries(root: Path, canaries: Iterable[str]) -> list[CanaryHit]:
    """Every place under root where one of the canaries appears, in any of its stored forms."""
    matcher = CanaryMatcher(canaries)
    if not matcher:
        return []
    hits: list[CanaryHit] = []
    for path in sorted(item for item in Path(root).rglob("*") if item.is_file()):
        hits.extend(scan_file(path, matcher))
    return hits
