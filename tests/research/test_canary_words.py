"""A participant's name found inside a longer word of the package ("Ruth" in the column "truth")
does not fail the export; the same name standing on its own anywhere still does. The rule is the
canary scan's own (a name of plain letters counts as a whole word only)."""

import pytest

from screening.patients.models import Patient
from screening.research.deid import canary_scan
from screening.research.deid.canary_scan import scan_for_canaries
from screening.research.models import ExportStatus
from tests.research.conftest import GRANTED, requested_and_run


def _found(tmp_path, text: bytes, canary: str) -> bool:
    (tmp_path / "file").write_bytes(text)
    return bool(scan_for_canaries(tmp_path, [canary]))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (b'"truth": "unknown"', False),
        (b"Retain Longitudinal Temporal Information", False),
        (b"RUTHLESS", False),
        (b"Khan^Ruth\x00", True),
        (b"Ruth's scan", True),
        (b"Ruth", True),
        (b"PN 1961 RUTH 2", True),
        (b"\xffruth\x00truth", True),
    ],
)
def test_a_name_counts_unless_it_is_inside_a_longer_word(tmp_path, text, found):
    canary = "Long" if b"Long" in text else "Ruth"
    assert _found(tmp_path, text, canary) is found


def test_identifiers_that_are_not_plain_names_count_inside_words(tmp_path):
    assert _found(tmp_path, b"x9434765919x", "9434765919")
    assert _found(tmp_path, b"xxkhan^ruthxx", "Khan^Ruth")


@pytest.mark.parametrize("position", range(56, 72))
def test_the_whole_word_rule_holds_across_a_chunk_boundary(tmp_path, monkeypatch, position):
    monkeypatch.setattr(canary_scan, "CHUNK_BYTES", 64)
    filler = bytes(range(256))[:position]
    assert not _found(tmp_path, filler + b"truthful" + filler, "Ruth")
    assert _found(tmp_path, filler + b"^Ruth^" + filler, "Ruth")


@pytest.mark.django_db
def test_a_participant_called_ruth_is_exported_although_the_table_has_a_truth_column(
    export_world, coordinator_actor, research_root
):
    Patient.objects.filter(pk=export_world.patients[GRANTED].pk).update(given_name="Ruth")
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.SUCCEEDED, job.error
