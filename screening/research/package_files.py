"""Writing a package's files to disk without holding them in memory: the manifest of SHA-256
digests, and the zip, streamed file by file (stored, not compressed: DICOM pixel data hardly
compresses, and stored bytes let the canary scan read the zip as it is). No Django here."""

import hashlib
import zipfile
from collections.abc import Iterable
from pathlib import Path

CHUNK_BYTES = 1024 * 1024
MANIFEST_NAME = "manifest-sha256.txt"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_write(folder: Path, digests: dict[str, str]) -> Path:
    """`sha256sum -c` format: "<digest>  <path>" per file, paths relative to the package's folder."""
    path = folder / MANIFEST_NAME
    lines = [f"{digest}  {name}\n" for name, digest in sorted(digests.items())]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def package_zip_write(folder: Path, zip_path: Path, *, prefix: str) -> tuple[int, str]:
    """Zip every file under `folder` (as `prefix`/relative path) into `zip_path`, streaming from
    disk; returns the zip's size and SHA-256."""
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as package:
        for path in _files_in_order(folder):
            package.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return zip_path.stat().st_size, file_sha256(zip_path)


def _files_in_order(folder: Path) -> Iterable[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())
