"""What intake is handed (a file with the name it was sent under) and what it answers for each."""

from dataclasses import dataclass

from django.db import models

from screening.imaging.models import Instance, Study

FILENAME_MAX_LENGTH = 255
SENDER_MAX_LENGTH = 64
MESSAGE_MAX_LENGTH = 500


class IngestStatus(models.TextChoices):
    STORED = "stored", "Stored"
    ALREADY_PRESENT = "already_present", "Already present"
    REJECTED = "rejected", "Rejected"


@dataclass(frozen=True)
class IntakeFile:
    """One DICOM Part 10 file as a sender handed it over; the name is only reported, never a path."""

    data: bytes
    filename: str = ""


@dataclass(frozen=True)
class IngestOutcome:
    """What became of one file: stored, already present (same SOP Instance UID), or rejected."""

    status: str
    filename: str = ""
    reason: str = ""
    message: str = ""
    sop_instance_uid: str = ""
    study: Study | None = None
    instance: Instance | None = None


ALREADY_PRESENT_MESSAGE = "This instance (SOP Instance UID) is already stored."


def printable(text: str, max_length: int) -> str:
    """A sender-supplied name as shown and stored: printable characters only, cut to the column."""
    return "".join(ch for ch in text if ch.isprintable())[:max_length]
