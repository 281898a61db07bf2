"""The zip is scanned as it is written: every byte that leaves (member data, local headers, file
names, data descriptors, the directory at the end) passes the canary scan once, and nothing else
is scanned (the staging tree is not read a second time)."""

import hashlib
import zipfile

from screening.research.deid import canary_scan
from screening.research.deid.canary_scan import CanaryMatcher
from screening.research.package_files import (
    CENTRAL_DIRECTORY,
    MANIFEST_NAME,
    PackageMember,
    package_zip_stream,
)

NAME = "Featherstonehaugh"


def package_zip_write(folder, zip_path, *, prefix, matcher):
    """Every file under the folder, whole, as a member named by its path in the folder."""
    paths = sorted(path for path in folder.rglob("*") if path.is_file())
    members = [PackageMember.whole_file(path.relative_to(folder).as_posix(), path) for path in paths]
    return package_zip_stream(members, zip_path, prefix=prefix, matcher=matcher)


def _folder(tmp_path, files):
    folder = tmp_path / "package"
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder


def test_every_byte_of_the_zip_and_nothing_else_is_scanned_once(tmp_path, monkeypatch):
    fed = hashlib.sha256()
    real_feed = canary_scan.CanaryScanner.feed

    def feed(self, piece):
        fed.update(piece)
        real_feed(self, piece)

    monkeypatch.setattr(canary_scan.CanaryScanner, "feed", feed)
    folder = _folder(tmp_path, {"a/image.dcm": bytes(range(256)) * 5000, "README.md": b"clean text"})
    written = package_zip_write(folder, tmp_path / "p.zip", prefix="x", matcher=CanaryMatcher([NAME]))
    zip_bytes = (tmp_path / "p.zip").read_bytes()
    assert fed.hexdigest() == hashlib.sha256(zip_bytes).hexdigest() == written.sha256
    assert written.size == len(zip_bytes) and written.hits == []


def test_a_canary_in_a_file_name_is_found_in_the_headers_and_the_directory(tmp_path):
    folder = _folder(tmp_path, {f"{NAME}/image.dcm": b"\x00" * 64})
    written = package_zip_write(folder, tmp_path / "p.zip", prefix="x", matcher=CanaryMatcher([NAME]))
    places = [written.member_at(hit.offset) for hit in written.hits]
    # The local header of the member, its manifest line, and the zip's directory.
    assert places == [f"{NAME}/image.dcm", MANIFEST_NAME, CENTRAL_DIRECTORY]


def test_hits_point_at_the_canary_in_the_zip_as_written(tmp_path):
    folder = _folder(tmp_path, {"b.dcm": b"\x01\x02^" + NAME.upper().encode() + b"^\x00", "a.csv": b"x"})
    written = package_zip_write(folder, tmp_path / "p.zip", prefix="x", matcher=CanaryMatcher([NAME]))
    ((hit_offset, member),) = [(hit.offset, written.member_at(hit.offset)) for hit in written.hits]
    zip_bytes = (tmp_path / "p.zip").read_bytes()
    assert member == "b.dcm"
    assert zip_bytes[hit_offset : hit_offset + len(NAME)] == NAME.upper().encode()


def test_the_zip_reads_back_whole_with_its_manifest_last(tmp_path):
    content = {"s/1.dcm": b"\x00\x01" * 70000, "clinical.csv": b"a,b\n"}
    folder = _folder(tmp_path, content)
    package_zip_write(folder, tmp_path / "p.zip", prefix="x", matcher=CanaryMatcher([NAME]))
    with zipfile.ZipFile(tmp_path / "p.zip") as package:
        assert package.testzip() is None
        assert package.namelist() == ["x/clinical.csv", "x/s/1.dcm", f"x/{MANIFEST_NAME}"]
        manifest = package.read(f"x/{MANIFEST_NAME}").decode()
    for name, data in content.items():
        assert f"{hashlib.sha256(data).hexdigest()}  {name}\n" in manifest
