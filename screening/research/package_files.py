"""Writing a package's zip to disk without holding it in memory: file by file, stored (not
compressed: DICOM pixel data hardly compresses), each file read once. Every byte of the zip, its
headers, file names and central directory included, is hashed and canary-scanned on its way to
disk, so what is checked is exactly what leaves; the manifest of SHA-256 digests is its last
member. No Django here."""

import bisect
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
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


def manifest_text(digests: dict[str, str]) -> str:
    """`sha256sum -c` format: "<digest>  <path>" per file, paths relative to the package's folder."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items()))


def package_zip_write(
    folder: Path, zip_path: Path, *, prefix: str, matcher: CanaryMatcher | None = None
) -> WrittenZip:
    """Zip every file under `folder` (as `prefix`/relative path), then the manifest of their
    digests, into `zip_path`, streaming from disk; the zip is scanned for `matcher`'s canaries."""
    scanner = CanaryScanner(matcher or CanaryMatcher(()), zip_path)
    digests: dict[str, str] = {}
    starts: list[tuple[int, str]] = []
    with zip_path.open("wb") as target:
        stream = _CheckedStream(target, scanner)
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as package:
            for path in _files_in_order(folder):
                name = path.relative_to(folder).as_posix()
                info = zipfile.ZipInfo.from_file(path, f"{prefix}/{name}")
                starts.append((stream.size, name))
                digests[name] = _member_write(package, info, path)
            starts.append((stream.size, MANIFEST_NAME))
            package.writestr(f"{prefix}/{MANIFEST_NAME}", manifest_text(digests))
            starts.append((stream.size, CENTRAL_DIRECTORY))
    return WrittenZip(stream.size, stream.digest.hexdigest(), scanner.finish(), starts)


def _member_write(package: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> str:
    """Copy one file into the zip in large chunks; its SHA-256."""
    digest = hashlib.sha256()
    with path.open("rb") as source, package.open(info, "w") as member:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            member.write(chunk)
    return digest.hexdigest()


def _files_in_order(folder: Path) -> Iterable[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())
