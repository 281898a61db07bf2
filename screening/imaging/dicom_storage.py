"""Where intake files live in Django's storage: paths from validated UIDs or hashes, never file names."""

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from screening.imaging.dicom_validation import PREAMBLE_LENGTH, uid_is_valid

INSTANCE_ROOT = "dicom"
QUARANTINE_ROOT = "quarantine"
_SHA256_HEX = frozenset("0123456789abcdef")


def instance_path(*, study_uid: str, series_uid: str, sop_uid: str) -> str:
    """`dicom/<study>/<series>/<sop>.dcm`; a UID outside the grammar can never reach a path."""
    for uid in (study_uid, series_uid, sop_uid):
        if not uid_is_valid(uid):
            raise ValueError("Storage paths are built from validated UIDs only.")
    return f"{INSTANCE_ROOT}/{study_uid}/{series_uid}/{sop_uid}.dcm"


def quarantine_path(sha256: str) -> str:
    if len(sha256) != 64 or not set(sha256) <= _SHA256_HEX:
        raise ValueError("Quarantine paths are built from a SHA-256 hex digest only.")
    return f"{QUARANTINE_ROOT}/{sha256}"


class PreambleZeroedFile(File):  # type: ignore[type-arg]
    """The received bytes as stored (preamble zeroed), handed to storage without copying them:
    a 9 MB mammogram is written as received rather than copied once more in memory."""

    def __init__(self, data: bytes) -> None:
        super().__init__(None)
        self._data = data
        self.size = len(data)

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield bytes(PREAMBLE_LENGTH)
        yield memoryview(self._data)[PREAMBLE_LENGTH:]  # type: ignore[misc]

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        return True


def instance_file_write(path: str, data: bytes) -> str:
    """Write (or replace) an instance's file at its UID path, preamble zeroed; returns the stored name.

    The caller holds the instance row's unique key in an open transaction, so no other writer
    targets this path; a file already there is a leftover of an attempt that never committed.
    """
    if default_storage.exists(path):
        default_storage.delete(path)
    return default_storage.save(path, PreambleZeroedFile(data))


def quarantine_write(sha256: str, content: bytes) -> str:
    """Keep refused bytes under their hash; the same bytes refused twice are kept once."""
    path = quarantine_path(sha256)
    if default_storage.exists(path):
        return path
    saved = default_storage.save(path, ContentFile(content))
    if saved != path:
        # Another refusal of the same bytes wrote it first; its copy is identical.
        default_storage.delete(saved)
    return path


def stored_file_delete(name: str) -> None:
    """Remove a file written by an intake whose rows were rolled back."""
    if name and default_storage.exists(name):
        default_storage.delete(name)


def stored_file_local(name: str, folder: Path) -> Path:
    """A stored file on this machine's disk: where the storage keeps it, or (an object store keeps
    nothing locally) a copy fetched into `folder`, which the caller removes with the folder."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        copy = folder / f"source-{hashlib.sha256(name.encode()).hexdigest()[:32]}.dcm"
        with default_storage.open(name, "rb") as stored, copy.open("wb") as local:
            shutil.copyfileobj(stored, local, 1 << 20)
        return copy
