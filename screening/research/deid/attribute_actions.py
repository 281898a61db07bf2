"""The action for every tag a dataset may hold: the profile table, then the rules for what it omits.

Private groups, curves (50xx) and overlays (60xx) go whole. Attributes the table does not list are
kept, except the kinds that identify by nature, which this module handles more strictly than the
table: UIDs are replaced, person names emptied, dates shifted (or removed without that option).
"""

import enum
import functools

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.uid import UID_dictionary

from .options import DeidOptions
from .profile_table import Action, profile_rows, resolve_action


class TagAction(enum.Enum):
    """What the cleaner does with one element."""

    KEEP = "keep"
    REMOVE = "remove"
    EMPTY = "empty"
    DUMMY = "dummy"
    REPLACE_UID = "replace uid"
    SHIFT_DATE = "shift date"
    CLEAN_ITEMS = "clean the sequence's items"


_FROM_PROFILE = {
    Action.REMOVE: TagAction.REMOVE,
    Action.EMPTY: TagAction.EMPTY,
    Action.DUMMY: TagAction.DUMMY,
    Action.KEEP: TagAction.KEEP,
    Action.REPLACE_UID: TagAction.REPLACE_UID,
    Action.SHIFT_DATE: TagAction.SHIFT_DATE,
}
# UIDs that name a kind of thing, not an instance: never identifying, and references need them.
_CLASS_UID_SUFFIXES = ("ClassUID", "TransferSyntaxUID", "TransferSyntaxUIDInFile", "CodingSchemeUID")


def tag_vr(tag: int) -> str | None:
    """The data dictionary's VR of a standard tag; None for a tag the dictionary does not know."""
    try:
        return dictionary_VR(tag)
    except KeyError:
        return None


def is_class_uid_tag(tag: int) -> bool:
    """Whether the tag holds a SOP class, transfer syntax or coding scheme UID (kept as is)."""
    return keyword_for_tag(tag).endswith(_CLASS_UID_SUFFIXES)


def uid_is_kept(tag: int, value: str) -> bool:
    """A UID that stays: one the standard registers, or a class-like attribute the table omits.

    (The table lists some class-like UIDs, e.g. Manufacturer's Device Class UID, for replacement.)
    """
    return value in UID_dictionary or (tag not in profile_rows() and is_class_uid_tag(tag))


def _dates_shifted_or_removed(vr: str, options: DeidOptions) -> TagAction:
    if vr in ("DA", "DT"):
        return TagAction.SHIFT_DATE if options.retain_dates_shifted else TagAction.REMOVE
    return TagAction.KEEP if options.retain_dates_shifted else TagAction.REMOVE  # TM: days move, not times


# Identifying attributes this edition of the table omits (or that identify in any edition): emptied.
IDENTIFYING_KEYWORDS = frozenset(
    {
        "PatientID",
        "OtherPatientIDs",
        "IssuerOfPatientID",
        "PatientBirthDate",
        "PatientAddress",
        "PatientTelephoneNumbers",
        "MedicalRecordLocator",
        "AccessionNumber",
        "StudyID",
        "AdmissionID",
        "RequestedProcedureID",
        "ScheduledProcedureStepID",
        "PerformedProcedureStepID",
        "InstitutionName",
        "InstitutionAddress",
        "InstitutionalDepartmentName",
        "ClinicalTrialSubjectID",
    }
)
# Identifying the device; kept under the Retain Device Identity option.
DEVICE_KEYWORDS = frozenset({"StationName", "DeviceSerialNumber", "DetectorID", "PlateID"})


def _unlisted(tag: int, vr: str | None, options: DeidOptions) -> TagAction:
    if vr is None:
        return TagAction.REMOVE  # a tag unknown to the dictionary may hold anything
    keyword = keyword_for_tag(tag)
    if keyword in IDENTIFYING_KEYWORDS or (keyword in DEVICE_KEYWORDS and not options.retain_device_identity):
        return TagAction.EMPTY
    if vr == "UI":
        return TagAction.KEEP if is_class_uid_tag(tag) else TagAction.REPLACE_UID
    if vr == "PN":
        return TagAction.EMPTY
    if vr in ("DA", "DT", "TM"):
        return _dates_shifted_or_removed(vr, options)
    if vr == "SQ":
        return TagAction.CLEAN_ITEMS
    return TagAction.KEEP


@functools.cache
def tag_action(tag: int, options: DeidOptions) -> TagAction:
    """The action for one tag under the options (cached: a tag's action never changes)."""
    group = tag >> 16
    if group & 1 or group == 0 or 0x5000 <= group <= 0x50FF or 0x6000 <= group <= 0x60FF:
        return TagAction.REMOVE  # private, command group, curves, overlays
    vr = tag_vr(tag)
    row = profile_rows().get(tag)
    if row is None:
        return _unlisted(tag, vr, options)
    action = _FROM_PROFILE[resolve_action(row, options)]
    if vr == "SQ":
        if action in (TagAction.KEEP, TagAction.REPLACE_UID, TagAction.SHIFT_DATE):
            return TagAction.CLEAN_ITEMS
        return TagAction.EMPTY if action is TagAction.DUMMY else action
    if action is TagAction.SHIFT_DATE and vr not in ("DA", "DT"):
        return TagAction.KEEP if vr == "TM" else TagAction.REMOVE
    if action is TagAction.REPLACE_UID and vr != "UI":
        return TagAction.REMOVE
    return action
