"""Writing a package's zip to disk without holding it in memory: member by member, stored (not
compressed: DICOM pixel data hardly compresses), each member's bytes read once from where they lie
(a de-identified header staged on disk and the original's Pixel Data element, or a whole file),
never first copied into a staging file. Every byte of the zip, its
headers, file names and central directory included, is hashed and canary-scanned on its way to
disk, so what is checked is exactly what leaves; the manifest of SHA-256 digests is its last
member. No Django here."""

import bisect
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from screening.research.deid.canary_scan import CanaryHit, CanaryMatcher, CanaryScanner

CHUNK_BYTES = 1024 * 1024
MANIFEST_NAME = "manifest-sha256.txt"
CENTRAL_DIRECTORY = "the zip's directory of file names"


@dataclass(frozen=True)
class WrittenZip:
    """The zip written: its size and SHA-256, the canary hits in it, and where each member starts."""

    size: int
    sha256: str
    hits: list[CanaryHit]
    member_starts: list[tuple[int, str]]

    def member_at(self, offset: int) -> str:
        """The member (or the directory at the end) that holds the zip's byte at `offset`."""
        index = bisect.bisect_right(self.member_starts, (offset, "\uffff")) - 1
        return self.member_starts[index][1] if index >= 0 else CENTRAL_DIRECTORY


class _CheckedStream(io.RawIOBase):
    """The zip's bytes on their way to the file: hashed and scanned as written. It cannot seek, so
    zipfile writes each member once (sizes and CRC in a data descriptor after it)."""

    def __init__(self, target: BinaryIO, scanner: CanaryScanner) -> None:
        self.target, self.scanner = target, scanner
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.target.write(data)
        self.digest.update(data)
        self.scanner.feed(data)
        self.size += len(data)
        return len(data)


@dataclass(frozen=True)
class Piece:
    """Bytes [start, end) of a file on disk."""

    path: Path
    start: int
    end: int


@dataclass(frozen=True)
class PackageMember:
    """One file of the package: its path in the package and the pieces it is made of, in order."""

    name: str
    pieces: tuple[Piece, ...]

    @classmethod
    def whole_file(cls, name: str, path: Path) -> "PackageMember":
        return cls(name, (Piece(path, 0, path.stat().st_size),))

    @property
    def size(self) -> int:
        return sum(piece.end - piece.start for piece in self.pieces)


def manifest_text(digests: dict[str, str]) -> str:
    """`sha256sum -c` format: "<digest>  <path>" per file, paths relative to the package's folder."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items()))


def package_zip_write(
    folder: Path, zip_path: Path, *, prefix: str, matcher: CanaryMatcher | None = None
) -> WrittenZip:
    """Zip every file under `folder` (as `prefix`/relative path), then the manifest of their
    digests, into `zip_path`, streaming from disk; the zip is scanned for `matcher`'s canaries."""
    members = [
        PackageMember.whole_file(path.relative_to(folder).as_posix(), path)
        for path in _files_in_order(folder)
    ]
    return package_zip_stream(members, zip_path, prefix=prefix, matcher=matcher)


def package_zip_stream(
    members: Iterable[PackageMember], zip_path: Path, *, prefix: str, matcher: CanaryMatcher | None = None
) -> WrittenZip:
    """Zip the members in order of their names (as `prefix`/name), then the manifest of their
    digests, into `zip_path`, streaming each piece from disk; the zip is scanned for `matcher`'s
    canaries as it is written."""
    scanner = CanaryScanner(matcher or CanaryMatcher(()), zip_path)
    digests: dict[str, str] = {}
    starts: list[tuple[int, str]] = []
    with zip_path.open("wb") as target:
        stream = _CheckedStream(target, scanner)
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as package:
            for member in sorted(members, key=lambda member: PurePosixPath(member.name)):
                starts.append((stream.size, member.name))
                digests[member.name] = _member_write(package, member, f"{prefix}/{member.name}")
            starts.append((stream.size, MANIFEST_NAME))
            package.writestr(f"{prefix}/{MANIFEST_NAME}", manifest_text(digests))
            starts.append((stream.size, CENTRAL_DIRECTORY))
    return WrittenZip(stream.size, stream.digest.hexdigest(), scanner.finish(), starts)


def _member_write(package: zipfile.ZipFile, member: PackageMember, arcname: str) -> str:
    """Copy the member's pieces into the zip in large chunks; its SHA-256."""
    # Date and mode from the first piece, as for a file zipped whole.
    info = (
        zipfile.ZipInfo.from_file(member.pieces[0].path, arcname)
        if member.pieces
        else zipfile.ZipInfo(arcname)
    )
    info.file_size = member.size
    digest = hashlib.sha256()
    with package.open(info, "w") as written:
        for piece in member.pieces:
            with piece.path.open("rb", buffering=0) as source:
                source.seek(piece.start)
                remaining = piece.end - piece.start
                while remaining:
                    chunk = source.read(min(CHUNK_BYTES, remaining))
                    if not chunk:
                        raise OSError("a file of the package ended early")
                    digest.update(chunk)
                    written.write(chunk)
                    remaining -= len(chunk)
    return digest.hexdigest()


def _files_in_order(folder: Path) -> Iterable[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())
