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
each on what the last one kept: (1) numpy keeps the places that begin a run of bytes long enough
for some form, every byte of it in the range of bytes that form is written with (`_Sieve`: the
forms are grouped, plain letters, numbers and the rest, each group with its own range and least
length; 16-bit pixel data hardly ever holds a long run of digits or letters), (2) numpy keeps those
whose first four bytes, lower-cased, begin some canary form, (3) Python compares the whole form.
Each sieve only drops places where no form can match, so the hits are those of comparing every
form at every place.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MIN_CANARY_LENGTH = 4
CHUNK_BYTES = 4 * 1024 * 1024
# A piece fed at least this long is scanned where it lies, not copied into the buffer first.
IN_PLACE_BYTES = 64 * 1024
# The first sieve's arrays cover this many places at a time (they stay in the CPU's cache).
SIEVE_BLOCK_BYTES = 256 * 1024
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER_TABLE = np.frombuffer(bytes(range(256)).translate(_ASCII_LOWER), dtype=np.uint8)
_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS_AND_DOT = frozenset(b"0123456789.")
_NUMBER_BYTES = frozenset(b"0123456789.-")
_Bytes = bytes | bytearray | memoryview


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


@dataclass(frozen=True)
class _Sieve:
    """A group of forms: every byte of each lies in [lowest, lowest + span] (either case), and
    none is shorter than `length`; a form of the group can only begin where such a run does."""

    lowest: int
    span: int
    length: int

    def covers(self, other: "_Sieve") -> bool:
        """Whether every place `other` keeps is kept by this sieve too (so `other` can go)."""
        return (
            self.lowest <= other.lowest
            and self.lowest + self.span >= other.lowest + other.span
            and self.length <= other.length
        )

    def runs(self, data: np.ndarray) -> np.ndarray:
        """Per place p of data (but the last length - 1): whether data[p : p + length] all lie in range."""
        kept = np.subtract(data, np.uint8(self.lowest), dtype=np.uint8) <= self.span
        done = 1  # kept[p]: data[p : p + done] all in range
        while done < self.length:
            step = min(done, self.length - done)
            kept = kept[:-step] & kept[step:]
            done += step
        return kept


def _kind(pattern: bytes) -> str:
    if pattern.isalpha():
        return "letters"  # two letters in a row need a pixel of 16640 or more: 14-bit data has none
    return "numbers" if set(pattern) <= _NUMBER_BYTES else "other"


def _sieves(forms: list[_Form]) -> list[_Sieve]:
    """The forms grouped by kind (plain letters; digits, dots and dashes: UIDs, dates, numbers;
    the rest), one sieve a group (its range, its shortest form), less those another covers."""
    groups: dict[str, list[_Form]] = defaultdict(list)
    for form in forms:
        groups[_kind(form.pattern)].append(form)
    sieves = []
    for grouped in groups.values():
        written = b"".join(form.pattern + form.pattern.translate(_ASCII_UPPER) for form in grouped)
        shortest = min(len(form.pattern) for form in grouped)
        sieves.append(_Sieve(min(written), max(written) - min(written), shortest))
    kept: list[_Sieve] = []
    for sieve in sorted(set(sieves), key=lambda sieve: (sieve.span, -sieve.length), reverse=True):
        if not any(other.covers(sieve) for other in kept):
            kept.append(sieve)
    return kept


def _places(wanted: np.ndarray) -> np.ndarray:
    """The indices of the true values of a bool array whose length is a multiple of 8, looking
    eight at a time (they are few, and numpy's nonzero steps through every value)."""
    words = np.flatnonzero(wanted.view(np.uint64))
    places = (words[:, np.newaxis] * 8 + np.arange(8)).ravel()
    return places[wanted[places]]


class CanaryMatcher:
    """The canaries' forms, indexed for the three sieves; built once, used for every file."""

    def __init__(self, canaries: Iterable[str]) -> None:
        forms = canary_forms(canaries)
        self.by_prefix: dict[int, list[_Form]] = defaultdict(list)
        # Per prefix, the forms by length and pattern: every keyed UID begins "2.25", so a place
        # that begins so is looked up once per length rather than compared with every UID.
        self.by_length: dict[int, dict[int, dict[bytes, _Form]]] = defaultdict(dict)
        for form in forms:
            key = int.from_bytes(form.pattern[:4], "little")
            self.by_prefix[key].append(form)
            self.by_length[key].setdefault(len(form.pattern), {})[form.pattern] = form
        self.prefixes = np.fromiter(self.by_prefix, dtype=np.uint32, count=len(self.by_prefix))
        self.sieves = _sieves(forms)
        # Kept between chunks: the longest form and a byte either side (for the word and digit rules).
        self.overlap = max((len(form.pattern) for form in forms), default=0) + 1

    def __bool__(self) -> bool:
        return bool(self.by_prefix)

    def matches(self, buffer: _Bytes, first: int, limit: int) -> list[tuple[int, _Form]]:
        """Matches starting in [first, limit) of the buffer (whose other bytes are context)."""
        data = np.frombuffer(buffer, dtype=np.uint8)
        stop = min(limit, len(data) - MIN_CANARY_LENGTH + 1)
        if stop <= first:
            return []
        starts = self._starts(data, first, stop)
        if not len(starts):
            return []
        # The four bytes at each place as one number (a view that steps one byte at a time), lower-cased.
        words = np.ndarray((len(data) - MIN_CANARY_LENGTH + 1,), dtype="<u4", buffer=data, strides=(1,))
        keys = _LOWER_TABLE[words[starts].view(np.uint8)].view("<u4")
        kept = np.isin(keys, self.prefixes)
        found = []
        for start, key in zip(starts[kept].tolist(), keys[kept].tolist(), strict=True):
            for length, patterns in self.by_length[key].items():
                form = patterns.get(bytes(buffer[start : start + length]).translate(_ASCII_LOWER))
                if form is not None and self._counts(buffer, start, form):
                    found.append((start, form))
        return found

    def _starts(self, data: np.ndarray, first: int, stop: int) -> np.ndarray:
        """The places in [first, stop) that the first sieve keeps, a block at a time: numpy's
        arrays for a whole chunk would each be fresh memory, and the page faults cost more than
        the sieve."""
        found = []
        for begin in range(first, stop, SIEVE_BLOCK_BYTES):
            end = min(stop, begin + SIEVE_BLOCK_BYTES)
            wanted = np.zeros(-(-(end - begin) // 8) * 8, dtype=bool)  # a whole number of words
            for sieve in self.sieves:
                runs = sieve.runs(data[begin : min(len(data), end + sieve.length - 1)])
                wanted[: len(runs)] |= runs
            found.append(_places(wanted) + begin)
        return np.concatenate(found)

    @staticmethod
    def _counts(buffer: _Bytes, start: int, form: _Form) -> bool:
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

    def feed(self, piece: _Bytes) -> None:
        if not self.matcher:
            return
        overlap = self.matcher.overlap
        if len(piece) >= max(IN_PLACE_BYTES, 4 * overlap):
            self._feed_in_place(piece, overlap)
            return
        self._buffer += piece
        if len(self._buffer) >= max(CHUNK_BYTES, self._first + 2 * self.matcher.overlap):
            self._scan(len(self._buffer) - self.matcher.overlap)

    def _feed_in_place(self, piece: _Bytes, overlap: int) -> None:
        """A large piece is scanned where it lies (copying it into the buffer cost as much as
        the sieve): what is buffered and the piece's first `overlap` places in the buffer, with
        the piece's next bytes as context; then the piece but its last `overlap` places, which
        are kept (with one byte before them) for the next piece or `finish`."""
        start = self._base + len(self._buffer)  # where the piece begins in the file
        self._buffer += piece[: 2 * overlap]
        self._scan(len(self._buffer) - overlap)
        end = len(piece) - overlap
        for place, form in self.matcher.matches(piece, overlap, end):
            self.hits.append(CanaryHit(path=self.path, canary=form.canary, offset=start + place))
        self._buffer = bytearray(piece[end - 1 :])
        self._base, self._first = start + end - 1, 1

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
