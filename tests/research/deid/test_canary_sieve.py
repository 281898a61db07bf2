"""The canary scan's sieves drop only places where no canary can match: its hits are those of
comparing every form at every place, in 16-bit pixel data as in text, wherever the bytes are cut
(chunks, pieces fed in place, the sieve's blocks)."""

import random
from pathlib import Path

import numpy as np
import pytest

from screening.research.deid import canary_scan
from screening.research.deid.canary_scan import (
    CanaryHit,
    CanaryMatcher,
    CanaryScanner,
    canary_forms,
    scan_file,
)

CANARIES = [
    "Ruth",  # a short plain name: a whole word only
    "Khan",
    "Quixleyaa",
    "Khan^Ruth",
    "Doe Jane",
    "12345",  # a short number: not right after a digit or a dot
    "9434765919",
    "1.2.840.113619.2.55.3",
    "2.25.99912345678",
    "1960-03-07",
    "ACC0042",
    "LS1 4AP",
    "r.khan@example.org",
    "Müller",
]
LETTERS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def reference_hits(content: bytes, canaries: list[str]) -> list[tuple[int, str]]:
    """Every form compared at every place, with the scan's two rules written out again."""
    lowered = content.lower()  # ASCII letters only, as the scan
    found = []
    for form in canary_forms(canaries):
        at = lowered.find(form.pattern)
        while at != -1:
            before = content[at - 1] if at else None
            end = at + len(form.pattern)
            after = content[end] if end < len(content) else None
            number_inside = form.pattern.isdigit() and before is not None and before in b"0123456789."
            word_inside = (
                form.canary.isascii()
                and form.canary.isalpha()
                and ((before is not None and before in LETTERS) or (after is not None and after in LETTERS))
            )
            if not number_inside and not word_inside:
                found.append((at, form.canary))
            at = lowered.find(form.pattern, at + 1)
    return sorted(found)


def pixels(rng: np.random.Generator, count: int, bits: int) -> bytes:
    """Little-endian 16-bit pixel values, bright (the top quarter of the range, like breast tissue)."""
    return rng.integers(3 << (bits - 2), 1 << bits, count, dtype=np.uint16).astype("<u2").tobytes()


def mixed_content(seed: int, size: int = 60_000) -> bytes:
    """Pixel data of 12, 14 and 16 bits, printable text, and canaries in every form, in any case,
    standing alone, inside words and numbers, at odd and even places."""
    rng, pick = np.random.default_rng(seed), random.Random(seed)
    forms = [form.pattern.decode("latin-1") for form in canary_forms(CANARIES)]
    content = bytearray()
    while len(content) < size:
        roll = pick.random()
        if roll < 0.3:
            content += pixels(rng, pick.randrange(1, 400), pick.choice((12, 14, 16)))
        elif roll < 0.5:
            content += bytes(pick.choice(b"0123456789.- ^abcdefghijklmnopqrstuvwxyzAZ@") for _ in range(40))
        else:
            form = pick.choice(forms)
            text = form.upper() if pick.random() < 0.3 else form
            encoded = text.encode("latin-1")
            content += pick.choice((b"", b".", b"7", b"x", b"\x00", b" ")) + encoded
            content += pick.choice((b"", b"s", b"\x00", b"9"))
    return bytes(content)


def scanned(content: bytes, matcher: CanaryMatcher, pieces: list[int]) -> list[tuple[int, str]]:
    scanner = CanaryScanner(matcher, Path("x"))
    at = 0
    for size in pieces:
        scanner.feed(memoryview(content)[at : at + size])
        at += size
    scanner.feed(content[at:])
    return sorted((hit.offset, hit.canary) for hit in scanner.finish())


@pytest.mark.parametrize("seed", range(6))
def test_the_scan_finds_what_comparing_every_place_finds(monkeypatch, seed):
    # Small chunks, in-place pieces and sieve blocks, so that canaries lie across every kind of cut.
    monkeypatch.setattr(canary_scan, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(canary_scan, "IN_PLACE_BYTES", 700)
    monkeypatch.setattr(canary_scan, "SIEVE_BLOCK_BYTES", 333)
    content = mixed_content(seed)
    expected = reference_hits(content, CANARIES)
    assert len(expected) > 100  # the content holds many canaries, not a vacuous comparison
    pick = random.Random(seed)
    pieces = [pick.choice((1, 7, 64, 699, 700, 701, 2500, 5000)) for _ in range(40)]
    matcher = CanaryMatcher(CANARIES)
    assert scanned(content, matcher, pieces) == expected
    assert scanned(content, matcher, []) == expected  # one piece, scanned in place


@pytest.mark.parametrize("canaries", [["Ruth"], ["12345"], ["1.2.840.113619.2.55.3"], ["LS1 4AP", "Khan"]])
def test_each_kind_of_canary_alone_is_found_as_comparing_every_place_finds(monkeypatch, canaries):
    monkeypatch.setattr(canary_scan, "SIEVE_BLOCK_BYTES", 512)
    content = mixed_content(99)
    assert scanned(content, CanaryMatcher(canaries), [3000, 5, 9000]) == reference_hits(content, canaries)


def test_canaries_inside_14_bit_pixel_data_are_found_at_every_cut(tmp_path):
    """Default chunk size: canaries at the file's first and last bytes, across the 4 MiB chunk
    boundary, and at odd places inside bright 14-bit pixel data (most of whose places pass a sieve
    of four printable bytes)."""
    rng = np.random.default_rng(14)
    content = bytearray(pixels(rng, 3 * 1024 * 1024, 14))  # 6 MiB
    chunk = canary_scan.CHUNK_BYTES
    placed = {
        0: b"QUIXLEYAA",
        chunk - 5: b"2.25.99912345678",  # across the chunk boundary
        chunk + 1001: b"khan^ruth",
        2 * 1024 * 1024 + 3: b"19600307",
        canary_scan.SIEVE_BLOCK_BYTES - 2: b"\x00Ruth\x00",
        len(content) - 7: b"LS1 4AP",  # the last bytes of the file
    }
    for offset, text in placed.items():
        content[offset : offset + len(text)] = text
    path = tmp_path / "pixels.raw"
    path.write_bytes(bytes(content))
    canaries = ["Quixleyaa", "2.25.99912345678", "Khan^Ruth", "1960-03-07", "Ruth", "LS1 4AP"]
    hits = scan_file(path, CanaryMatcher(canaries))
    assert sorted((hit.offset, hit.canary) for hit in hits) == reference_hits(bytes(content), canaries)
    assert {hit.canary for hit in hits} == set(canaries)
    assert CanaryHit(path, "2.25.99912345678", chunk - 5) in hits


def test_groups_of_forms_covered_by_a_wider_sieve_add_none():
    matcher = CanaryMatcher(["Ruth", "Quixleyaa", "Khanijo"])  # all plain letters: one sieve
    assert len(matcher.sieves) == 1
    assert matcher.sieves[0].length == 4
    # The UID's bytes lie within those of the postcode's forms, which are shorter: no sieve of its own.
    mixed = CanaryMatcher(["Ruth", "1.2.840.113619.2.55.3", "LS1 4AP"])
    assert sorted(sieve.length for sieve in mixed.sieves) == [4, 7]


@pytest.mark.parametrize("size", [5, 64, 100])  # pieces buffered; fed in place (at the least, and more)
def test_a_canary_at_any_place_around_the_cuts_between_pieces_is_found_once(monkeypatch, size):
    monkeypatch.setattr(canary_scan, "IN_PLACE_BYTES", 64)
    matcher = CanaryMatcher(["Quixleyaa"])
    for offset in range(3 * size):
        content = bytearray(3 * size + 20)
        content[offset : offset + 9] = b"quixleyaa"
        assert scanned(bytes(content), matcher, [size, size, size]) == [(offset, "Quixleyaa")]
