"""Why intake refused a file, as the DICOM failure status every DICOM door answers with.

C-STORE answers it as the response's Status, STOW-RS as each failed SOP's FailureReason (PS3.18
Table 10.5.3-2 uses the C-STORE statuses of PS3.4 Annex B and the general ones of PS3.7 Annex C),
so a sender learns the same reason whichever way it sent the file.
"""

from screening.imaging.dicom_validation import RejectionReason

FAILURE_OUT_OF_RESOURCES = 0xA700
FAILURE_DATASET_DOES_NOT_MATCH_SOP_CLASS = 0xA900
FAILURE_CANNOT_UNDERSTAND = 0xC000
FAILURE_SOP_CLASS_NOT_SUPPORTED = 0x0122
FAILURE_NOT_AUTHORIZED = 0x0124
FAILURE_PROCESSING = 0x0110

# Any other reason (not DICOM, unparsable, an invalid UID, an image past the limits) is "cannot
# understand": a permanent refusal, where "out of resources" would have the sender retry.
_FAILURE_BY_REJECTION = {
    RejectionReason.SOP_CLASS_NOT_ALLOWED: FAILURE_SOP_CLASS_NOT_SUPPORTED,
    RejectionReason.TOO_LARGE: FAILURE_OUT_OF_RESOURCES,
    RejectionReason.MISSING_ATTRIBUTE: FAILURE_DATASET_DOES_NOT_MATCH_SOP_CLASS,
    RejectionReason.BAD_DIMENSIONS: FAILURE_DATASET_DOES_NOT_MATCH_SOP_CLASS,
    RejectionReason.PIXEL_DATA_LENGTH: FAILURE_DATASET_DOES_NOT_MATCH_SOP_CLASS,
    RejectionReason.UID_CONFLICT: FAILURE_PROCESSING,
}


def failure_status(reason: str) -> int:
    """The DICOM failure status for intake's reason for refusing a file."""
    return _FAILURE_BY_REJECTION.get(reason, FAILURE_CANNOT_UNDERSTAND)
