"""A participant's name found inside a longer word of the package ("Ruth" in the column "truth")
does not fail the export; the same name standing on its own anywhere still does."""

import pytest

from screening.patients.models import Patient
from screening.research.deid.canary_scan import CanaryHit, scan_for_canaries
from screening.research.models import ExportStatus
from screening.research.package_builder import _inside_a_word
from tests.research.conftest import GRANTED, requested_and_run


def _hits(tmp_path, text: bytes, canary: str) -> list[CanaryHit]:
    (tmp_path / "file").write_bytes(text)
    return scan_for_canaries(tmp_path, [canary])


@pytest.mark.parametrize(
    ("text", "inside"),
    [
        (b'"truth": "unknown"', True),
        (b"Retain Longitudinal Temporal Information", True),
        (b"Khan^Ruth\x00", False),
        (b"Ruth's scan", False),
        (b"Ruth", False),
        (b"PN 1961 RUTH 2", False),
    ],
)
def test_a_name_counts_unless_it_is_inside_a_longer_word(tmp_path, text, inside):
    canary = "Long" if b"Long" in text else "Ruth"
    (hit,) = _hits(tmp_path, text, canary)
    assert _inside_a_word(hit) is inside


def test_identifiers_that_are_not_plain_names_always_count(tmp_path):
    (hit,) = _hits(tmp_path, b"x9434765919x", "9434765919")
    assert not _inside_a_word(hit)


@pytest.mark.django_db
def test_a_participant_called_ruth_is_exported_although_the_table_has_a_truth_column(
    export_world, coordinator_actor, research_root
):
    Patient.objects.filter(pk=export_world.patients[GRANTED].pk).update(given_name="Ruth")
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.SUCCEEDED, job.error
