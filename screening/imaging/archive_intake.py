"""Reading an uploaded ZIP of DICOM files safely: entry by entry, within caps, never extractall.

An archive is verified whole before any entry is ingested (every entry decompressed once, counted
and CRC-checked, then discarded), so a bomb, a forged size or a corrupt entry refuses the archive
without leaving half of it stored. Entry names are only reported, never used as paths.
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings

from screening.imaging.dicom_validation import HEADER_LENGTH, PREAMBLE_LENGTH, PREFIX, DicomRejection
from screening.imaging.dicom_validation import RejectionReason as Reason

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
CHUNK_BYTES = 1024 * 1024
# Below this an entry's compression ratio says nothing (a small blank image compresses very well).
RATIO_FLOOR_BYTES = 1024 * 1024
# End of central directory record (22 bytes) plus the longest comment.
_END_RECORD_SEARCH = 22 + 65535
_SYMLINK_MODE = 0o120000
_FILE_TYPE_MASK = 0o170000
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".7z", ".rar", ".zipx", ".jar")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf", b"Rar!")
# Zip tools' own metadata, not content.
_SKIPPED_PREFIXES = ("__MACOSX/",)


@dataclass(frozen=True)
class ArchiveLimits:
    max_entries: int
    max_total_bytes: int
    max_entry_bytes: int
    max_ratio: float

    @classmethod
    def from_settings(cls) -> "ArchiveLimits":
        return cls(
            max_entries=settings.DICOM_ARCHIVE_MAX_ENTRIES,
            max_total_bytes=settings.DICOM_ARCHIVE_MAX_TOTAL_BYTES,
            max_entry_bytes=settings.DICOM_ARCHIVE_MAX_ENTRY_BYTES,
            max_ratio=settings.DICOM_ARCHIVE_MAX_RATIO,
        )


@dataclass(frozen=True)
class ArchiveEntry:
    name: str
    data: bytes


def is_zip_archive(data: bytes) -> bool:
    """Decided by content: a DICOM file (DICM at 128) is never an archive, a ZIP starts with PK."""
    if data[PREAMBLE_LENGTH:HEADER_LENGTH] == PREFIX:
        return False
    return data.startswith(ZIP_SIGNATURES)


def archive_entries(data: bytes, limits: ArchiveLimits) -> Iterator[ArchiveEntry]:
    """Verify the archive whole (raising DicomRejection now), then an iterator over its files."""
    if len(data) > limits.max_total_bytes:
        raise DicomRejection(Reason.ARCHIVE_TOO_LARGE, f"The archive exceeds {limits.max_total_bytes} bytes.")
    _declared_entry_count_check(data, limits)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except Exception as exc:  # BadZipFile, LargeZipFile, OSError, ValueError...
        raise DicomRejection(
            Reason.ARCHIVE_INVALID, f"The ZIP archive cannot be read ({type(exc).__name__})."
        ) from exc
    try:
        members = _members_verify(archive, len(data), limits)
    except BaseException:
        archive.close()
        raise
    if not members:
        archive.close()
        raise DicomRejection(Reason.ARCHIVE_INVALID, "The archive holds no files.")
    return _entries_yield(archive, members, limits)


def _entries_yield(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], limits: ArchiveLimits
) -> Iterator[ArchiveEntry]:
    # Verified already; read again entry by entry so only one is in memory at a time.
    with archive:
        for info in members:
            yield ArchiveEntry(name=info.filename, data=_entry_read(archive, info, limits))


def _declared_entry_count_check(data: bytes, limits: ArchiveLimits) -> None:
    """Refuse a huge entry count from the end record, before zipfile builds an object per entry."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - _END_RECORD_SEARCH))
    if end < 0 or end + 12 > len(data):
        return  # not found or short: zipfile will say the archive is invalid
    declared = int.from_bytes(data[end + 10 : end + 12], "little")
    if declared != 0xFFFF and declared > limits.max_entries:
        raise DicomRejection(
            Reason.ARCHIVE_TOO_MANY_ENTRIES,
            f"The archive has {declared} entries; the limit is {limits.max_entries}.",
        )


def _members_verify(
    archive: zipfile.ZipFile, archive_size: int, limits: ArchiveLimits
) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise DicomRejection(
            Reason.ARCHIVE_TOO_MANY_ENTRIES,
            f"The archive has {len(infos)} entries; the limit is {limits.max_entries}.",
        )
    members = [
        info for info in infos if not info.is_dir() and not info.filename.startswith(_SKIPPED_PREFIXES)
    ]
    declared_total = 0
    for info in members:
        _entry_header_check(info, limits)
        declared_total += info.file_size
    if declared_total > limits.max_total_bytes:
        raise DicomRejection(
            Reason.ARCHIVE_TOO_LARGE,
            f"The archive expands to {declared_total} bytes; the limit is {limits.max_total_bytes}.",
        )
    if declared_total > RATIO_FLOOR_BYTES and declared_total > limits.max_ratio * max(archive_size, 1):
        raise DicomRejection(
            Reason.ARCHIVE_BOMB, f"The archive expands more than {limits.max_ratio:g} times its size."
        )
    actual_total = 0
    for info in members:
        actual_total += _entry_scan(archive, info, limits)
        if actual_total > limits.max_total_bytes:
            raise DicomRejection(
                Reason.ARCHIVE_TOO_LARGE, f"The archive expands beyond {limits.max_total_bytes} bytes."
            )
    return members


def _entry_header_check(info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    """Refuse by the central directory alone: unsafe names, links, nesting, encryption, sizes."""
    name = info.filename
    if _is_unsafe_name(name):
        raise DicomRejection(
            Reason.ARCHIVE_UNSAFE_ENTRY, "The archive holds an entry with an absolute or '..' path."
        )
    if (info.external_attr >> 16) & _FILE_TYPE_MASK == _SYMLINK_MODE:
        raise DicomRejection(Reason.ARCHIVE_UNSAFE_ENTRY, "The archive holds a symbolic link.")
    if name.lower().endswith(_ARCHIVE_SUFFIXES):
        raise DicomRejection(
            Reason.ARCHIVE_NESTED, "The archive holds another archive; send the files directly."
        )
    if info.flag_bits & 0x1:
        raise DicomRejection(Reason.ARCHIVE_INVALID, "The archive holds an encrypted entry.")
    if info.file_size > limits.max_entry_bytes:
        raise DicomRejection(
            Reason.ARCHIVE_TOO_LARGE,
            f"An entry expands to {info.file_size} bytes; the limit is {limits.max_entry_bytes}.",
        )
    if _ratio_exceeded(info.file_size, info.compress_size, limits):
        raise DicomRejection(
            Reason.ARCHIVE_BOMB, f"An entry expands more than {limits.max_ratio:g} times its compressed size."
        )


def _is_unsafe_name(name: str) -> bool:
    if not name or "\x00" in name:
        return True
    for path in (PurePosixPath(name), PureWindowsPath(name)):
        if path.is_absolute() or path.drive or path.root or ".." in path.parts:
            return True
    return False


def _ratio_exceeded(expanded: int, compressed: int, limits: ArchiveLimits) -> bool:
    return expanded > RATIO_FLOOR_BYTES and expanded > limits.max_ratio * max(compressed, 1)


def _entry_scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits) -> int:
    """Decompress one entry without keeping it, counting real bytes (declared sizes may lie)."""
    size = 0
    try:
        with archive.open(info) as stream:
            head = stream.read(HEADER_LENGTH)
            size = len(head)
            if head.startswith(_ARCHIVE_MAGIC):
                raise DicomRejection(
                    Reason.ARCHIVE_NESTED, "The archive holds another archive; send the files directly."
                )
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limits.max_entry_bytes:
                    raise DicomRejection(
                        Reason.ARCHIVE_TOO_LARGE, f"An entry expands beyond {limits.max_entry_bytes} bytes."
                    )
                if _ratio_exceeded(size, info.compress_size, limits):
                    raise DicomRejection(
                        Reason.ARCHIVE_BOMB,
                        f"An entry expands more than {limits.max_ratio:g} times its compressed size.",
                    )
    except DicomRejection:
        raise
    except Exception as exc:  # bad CRC, truncated stream, unsupported method, zlib errors
        raise DicomRejection(
            Reason.ARCHIVE_INVALID, f"An archive entry cannot be read ({type(exc).__name__})."
        ) from exc
    return size


def _entry_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits) -> bytes:
    with archive.open(info) as stream:
        data = stream.read(limits.max_entry_bytes + 1)
    if len(data) > limits.max_entry_bytes:  # cannot happen after the scan; never trust twice-read input
        raise DicomRejection(
            Reason.ARCHIVE_TOO_LARGE, f"An entry expands beyond {limits.max_entry_bytes} bytes."
        )
    return data
