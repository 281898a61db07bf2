"""Keyed pseudonyms: stable under one key, unrelated under another, and valid where they go."""

import re

import pytest
from pydicom.uid import UID

from screening.research.deid.pseudonyms import Pseudonymiser

OTHER_KEY = b"another-installation-key-987654321"


def test_a_participant_keeps_one_pseudonym_per_key(pseudonymiser):
    first = pseudonymiser.participant("9434765919")
    assert (
        first
        == pseudonymiser.participant("9434765919")
        == Pseudonymiser(pseudonymiser._key).participant("9434765919")
    )
    assert first != pseudonymiser.participant("9434765920")
    assert first != Pseudonymiser(OTHER_KEY).participant("9434765919")


def test_a_pseudonym_holds_no_digit_and_no_vowel(pseudonymiser):
    pseudonyms = [pseudonymiser.participant(str(number)) for number in range(200)]
    assert all(re.fullmatch(r"P[BCDFGHJKLMNPQRST]{20}", pseudonym) for pseudonym in pseudonyms)
    assert len(set(pseudonyms)) == 200


def test_uids_are_valid_keyed_and_disjoint_across_keys(pseudonymiser):
    originals = [f"1.2.826.0.1.3680043.8.498.{number}" for number in range(500)]
    mine = [pseudonymiser.uid(original) for original in originals]
    theirs = {Pseudonymiser(OTHER_KEY).uid(original) for original in originals}
    assert all(UID(uid).is_valid and len(uid) <= 64 and uid.startswith("2.25.") for uid in mine)
    assert len(set(mine)) == 500 and not set(mine) & theirs
    assert mine == [pseudonymiser.uid(original) for original in originals]
    assert pseudonymiser.uid("1.2.3.4\x00") == pseudonymiser.uid("1.2.3.4")  # DICOM's padding ignored


def test_date_offsets_move_back_by_one_to_ten_years_per_participant(pseudonymiser):
    offsets = [pseudonymiser.date_offset_days(str(number)) for number in range(300)]
    assert all(-3650 <= offset <= -365 for offset in offsets)
    assert len(set(offsets)) > 200
    assert offsets[7] == pseudonymiser.date_offset_days("7")


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        Pseudonymiser(b"short")
