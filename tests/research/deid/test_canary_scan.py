"""The canary scan finds identifiers in every byte of every file, in the forms DICOM stores them."""

import pytest

from screening.research.deid import canary_scan
from screening.research.deid.canary_scan import CanaryHit, scan_for_canaries


def _file(folder, name, content):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_a_person_name_is_found_with_carets_and_in_any_case(tmp_path):
    path = _file(tmp_path, "a/b/file.dcm", b"\x00\x10\x10\x00PN\x0e\x00DOE^JANE^ANN \x00")
    hits = scan_for_canaries(tmp_path, ["Doe Jane"])
    assert hits == [CanaryHit(path=path, canary="Doe Jane", offset=8)]


@pytest.mark.parametrize(("canary", "stored"), [("1960-03-07", b"19600307"), ("19600307", b"1960-03-07,")])
def test_dates_are_found_as_dicom_and_as_iso_dates(tmp_path, canary, stored):
    _file(tmp_path, "table.csv", b"pseudonym," + stored)
    assert [hit.offset for hit in scan_for_canaries(tmp_path, [canary])] == [10]


def test_short_canaries_are_ignored(tmp_path):
    _file(tmp_path, "f.bin", b"F M 42 ABC")
    assert scan_for_canaries(tmp_path, ["F", "M", "42", "ABC", "  "]) == []


def test_a_number_counts_where_it_stands_alone_not_inside_a_uid(tmp_path):
    _file(tmp_path, "uid.bin", b"2.25.99912345678\x00")
    _file(tmp_path, "digits.bin", b"0912345678\x00")
    assert scan_for_canaries(tmp_path, ["12345678"]) == []
    path = _file(tmp_path, "label.txt", b"ID:12345678;")
    assert scan_for_canaries(tmp_path, ["12345678"]) == [CanaryHit(path, "12345678", 3)]


def test_a_canary_across_a_chunk_boundary_is_found_once(tmp_path, monkeypatch):
    monkeypatch.setattr(canary_scan, "CHUNK_BYTES", 64)
    content = bytes(range(256)) * 3
    path = _file(tmp_path, "pixels.raw", content[:60] + b"KOWALSKA" + content[:200] + b"kowalska")
    hits = scan_for_canaries(tmp_path, ["Kowalska"])
    assert [hit.offset for hit in hits] == [60, 268]
    assert all(path.read_bytes()[hit.offset : hit.offset + 8].lower() == b"kowalska" for hit in hits)


def test_non_ascii_names_are_found_in_latin_1_and_utf_8(tmp_path):
    _file(tmp_path, "latin1.dcm", "MÜLLER^ANNA".encode("latin-1"))
    _file(tmp_path, "utf8.json", '{"name": "Müller"}'.encode())
    assert sorted(hit.path.name for hit in scan_for_canaries(tmp_path, ["Müller"])) == [
        "latin1.dcm",
        "utf8.json",
    ]


def test_binary_data_without_canaries_gives_no_hit(tmp_path):
    _file(tmp_path, "noise.raw", bytes(range(256)) * 4096)
    assert scan_for_canaries(tmp_path, ["Doe Jane", "1.2.840.113619.2.55", "19600307"]) == []
