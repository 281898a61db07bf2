"""Every attribute of the profile table, private data, overlays, curves and icons full of canaries:
after de-identification the canary scan finds none of them, and the file still parses."""

import pydicom
import pytest
from pydicom.tag import Tag

from screening.research.deid.canary_scan import scan_for_canaries
from screening.research.deid.deidentify import deidentify_file
from screening.research.deid.options import DeidOptions
from screening.research.deid.profile_table import Action, profile_rows, resolve_action
from tests.research.deid.canary_files import canary_file, canary_text, canary_uid

ALL_OPTIONS = DeidOptions(
    retain_dates_shifted=True, retain_patient_characteristics=True, retain_device_identity=True
)


def _deidentify(tmp_path, pseudonymiser, options, skip=frozenset()):
    source = tmp_path / "source" / "canaries.dcm"
    canaries = canary_file(source, skip)
    assert {hit.canary for hit in scan_for_canaries(source.parent, canaries)} == canaries  # all planted
    outcome = deidentify_file(
        source,
        tmp_path / "package" / "P" / "1.dcm",
        pseudonymiser=pseudonymiser,
        options=options,
        participant_id="participant-1",
        participant_pseudonym=pseudonymiser.participant("participant-1"),
    )
    return outcome, canaries


@pytest.mark.parametrize(
    "options", [DeidOptions(), DeidOptions(retain_dates_shifted=True)], ids=["basic", "dates"]
)
def test_no_canary_survives_the_profile(tmp_path, pseudonymiser, options):
    outcome, canaries = _deidentify(tmp_path, pseudonymiser, options)
    assert outcome.written
    assert scan_for_canaries(tmp_path / "package", canaries) == []
    dataset = pydicom.dcmread(tmp_path / "package" / "P" / "1.dcm")
    assert dataset.SOPInstanceUID == outcome.sop_instance_uid


def test_with_every_option_only_what_the_options_retain_is_left(tmp_path, pseudonymiser):
    retained = {tag for tag, row in profile_rows().items() if resolve_action(row, ALL_OPTIONS) is Action.KEEP}
    outcome, canaries = _deidentify(tmp_path, pseudonymiser, ALL_OPTIONS)
    assert outcome.written
    found = {hit.canary for hit in scan_for_canaries(tmp_path / "package", canaries)}
    assert found == {
        value for tag in retained for value in (canary_text(tag), canary_uid(tag)) if value in canaries
    }
    assert canary_text(Tag("DeviceSerialNumber")) in found
    outcome, canaries = _deidentify(tmp_path / "again", pseudonymiser, ALL_OPTIONS, skip=frozenset(retained))
    assert scan_for_canaries(tmp_path / "again" / "package", canaries) == []


def test_the_output_records_how_it_was_de_identified(tmp_path, pseudonymiser):
    outcome, _ = _deidentify(tmp_path, pseudonymiser, DeidOptions(retain_dates_shifted=True))
    dataset = pydicom.dcmread(tmp_path / "package" / "P" / "1.dcm")
    assert dataset.preamble == b"\x00" * 128
    assert dataset.PatientIdentityRemoved == "YES"
    assert [item.CodeValue for item in dataset.DeidentificationMethodCodeSequence] == ["113100", "113107"]
    assert {item.CodingSchemeDesignator for item in dataset.DeidentificationMethodCodeSequence} == {"DCM"}
    assert "Basic Application Confidentiality Profile" in dataset.DeidentificationMethod
    assert dataset.LongitudinalTemporalInformationModified == "MODIFIED"
    pseudonym = pseudonymiser.participant("participant-1")
    assert str(dataset.PatientName) == dataset.PatientID == pseudonym
    assert dataset.file_meta.MediaStorageSOPInstanceUID == dataset.SOPInstanceUID == outcome.sop_instance_uid
    assert "SourceApplicationEntityTitle" not in dataset.file_meta
    groups = {element.tag.group for element in dataset.iterall()}
    assert not any(group & 1 for group in groups), "private elements left"
    assert not any(0x5000 <= group <= 0x60FF for group in groups), "curves or overlays left"
    assert "IconImageSequence" not in dataset


def test_every_option_is_coded(tmp_path, pseudonymiser):
    _deidentify(tmp_path, pseudonymiser, ALL_OPTIONS)
    dataset = pydicom.dcmread(tmp_path / "package" / "P" / "1.dcm")
    codes = [item.CodeValue for item in dataset.DeidentificationMethodCodeSequence]
    assert codes == ["113100", "113107", "113108", "113109"]


def test_without_the_dates_option_dates_are_removed_and_said_so(tmp_path, pseudonymiser):
    _deidentify(tmp_path, pseudonymiser, DeidOptions())
    dataset = pydicom.dcmread(tmp_path / "package" / "P" / "1.dcm")
    assert dataset.LongitudinalTemporalInformationModified == "REMOVED"
    assert dataset.StudyDate == "" and "InstanceCreationDate" not in dataset
    assert [item.CodeValue for item in dataset.DeidentificationMethodCodeSequence] == ["113100"]
