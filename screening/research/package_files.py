"""Writing a package's zip to disk without holding it in memory: member by member, stored (not
compressed: DICOM pixel data hardly compresses), each member's bytes read once from where they lie
(a de-identified header staged on disk and the original's Pixel Data element, or a whole file),
never first copied into a staging file. Every byte of the zip, its headers, file names and central
directory included, is hashed and canary-scanned on its way to disk, so what is checked is exactly
what leaves; the manifest of SHA-256 digests is its last member. No Django here."""

import bisect
import hashlib
import io
import zipfile
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
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


class _Sha256Behind:
    """A SHA-256 taken on a thread of its own, piece by piece in order, at most one piece behind
    (hashlib lets go of the GIL for large pieces, so it runs beside the copy, the CRC and the scan)."""

    def __init__(self, thread: ThreadPoolExecutor) -> None:
        self.thread, self.digest = thread, hashlib.sha256()
        self.pending: Future[None] | None = None

    def update(self, data: bytes) -> None:
        self.wait()
        self.pending = self.thread.submit(self.digest.update, data)

    def wait(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def hexdigest(self) -> str:
        self.wait()
        return self.digest.hexdigest()


class _CheckedStream(io.RawIOBase):
    """The zip's bytes on their way to the file: hashed and scanned as written. It cannot seek, so
    zipfile writes each member once (sizes and CRC in a data descriptor after it)."""

    def __init__(self, target: BinaryIO, scanner: CanaryScanner, digest: _Sha256Behind) -> None:
        self.target, self.scanner, self.digest = target, scanner, digest
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        piece = bytes(data) if not isinstance(data, bytes) else data  # the hash thread holds it
        self.digest.update(piece)
        self.target.write(piece)
        self.scanner.feed(piece)
        self.size += len(piece)
        return len(piece)


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


def package_zip_stream(
    members: Iterable[PackageMember], zip_path: Path, *, prefix: str, matcher: CanaryMatcher | None = None
) -> WrittenZip:
    """Zip the members in order of their names (as `prefix`/name), then the manifest of their
    digests, into `zip_path`, streaming each piece from disk; the zip is scanned for `matcher`'s
    canaries as it is written."""
    scanner = CanaryScanner(matcher or CanaryMatcher(()), zip_path)
    digests: dict[str, str] = {}
    starts: list[tuple[int, str]] = []
    with (
        ThreadPoolExecutor(1, thread_name_prefix="package-sha256") as package_thread,
        ThreadPoolExecutor(1, thread_name_prefix="member-sha256") as member_thread,
        zip_path.open("wb") as target,
    ):
        stream = _CheckedStream(target, scanner, _Sha256Behind(package_thread))
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as package:
            for member in sorted(members, key=lambda member: PurePosixPath(member.name)):
                starts.append((stream.size, member.name))
                digest = _Sha256Behind(member_thread)
                _member_write(package, member, f"{prefix}/{member.name}", digest)
                digests[member.name] = digest.hexdigest()
            starts.append((stream.size, MANIFEST_NAME))
            package.writestr(f"{prefix}/{MANIFEST_NAME}", manifest_text(digests))
            starts.append((stream.size, CENTRAL_DIRECTORY))
        sha256 = stream.digest.hexdigest()
    return WrittenZip(stream.size, sha256, scanner.finish(), starts)


def _member_write(
    package: zipfile.ZipFile, member: PackageMember, arcname: str, digest: _Sha256Behind
) -> None:
    """Copy the member's pieces into the zip in large chunks, each also given to its digest."""
    # Date and mode from the first piece, as for a file zipped whole.
    info = (
        zipfile.ZipInfo.from_file(member.pieces[0].path, arcname)
        if member.pieces
        else zipfile.ZipInfo(arcname)
    )
    info.file_size = member.size
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
