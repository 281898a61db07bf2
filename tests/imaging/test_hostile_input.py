"""Hostile and broken input, generated here: each is refused with a clear reason, quarantined,
recorded and audited, and leaves no study, series, instance or stored file behind."""

import zipfile
from collections.abc import Callable
from io import BytesIO

import pydicom
import pytest

from screening.core.models import AuditEvent, AuditOutcome
from screening.imaging.ingestion_services import IngestStatus, instance_ingest, upload_ingest
from screening.imaging.models import Instance, IntakeRejection, IntakeSource, Series, Study
from tests.imaging.conftest import dataset_bytes, dicom_sample, pydicom_file_bytes, stored_dicom_files

pytestmark = pytest.mark.django_db

CT = "CT_small.dcm"


def _with_dataset(change: Callable[[pydicom.Dataset], None]) -> bytes:
    dataset = pydicom.dcmread(BytesIO(dicom_sample()))
    change(dataset)
    return dataset_bytes(dataset)


def _short_pixel_data(dataset: pydicom.Dataset) -> None:
    dataset.PixelData = dataset.PixelData[:-100]


def _without_pixel_data(dataset: pydicom.Dataset) -> None:
    del dataset.PixelData


def _forged_element_length() -> bytes:
    """Modality (0008,0060) claims 65 000 bytes in a 39 kB file."""
    data = dicom_sample()
    marker = b"\x08\x00\x60\x00CS"
    at = data.index(marker) + len(marker)
    return data[:at] + (65000).to_bytes(2, "little") + data[at + 2 :]


def _inserted_before_pixel_data(element: bytes) -> bytes:
    """A sample with one more raw element (explicit VR little endian) ahead of its pixel data."""
    data = dicom_sample()
    at = data.index(b"\xe0\x7f\x10\x00OW")
    return data[:at] + element + data[at:]


def _element(group: int, number: int, vr: bytes, value: bytes) -> bytes:
    tag = group.to_bytes(2, "little") + number.to_bytes(2, "little")
    return tag + vr + len(value).to_bytes(2, "little") + value


def _odd_length_number_in_a_sequence_item() -> bytes:
    item = _element(0x0018, 0x6012, b"US", b"\x01\x02\x03")
    item_header = b"\xfe\xff\x00\xe0" + len(item).to_bytes(4, "little")
    sequence = b"\x08\x00\x40\x11SQ\x00\x00" + (len(item_header) + len(item)).to_bytes(4, "little")
    return _inserted_before_pixel_data(sequence + item_header + item)


def _bad_preamble() -> bytes:
    data = dicom_sample()
    return b"MZ\x90\x00" + bytes(range(124)) + data[128:]


def _zip(
    entries: list[tuple[str | zipfile.ZipInfo, bytes]], compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _symlink_zip() -> bytes:
    link = zipfile.ZipInfo("images/IM0")
    link.external_attr = (0o120777 << 16) | 0x20
    return _zip([(link, b"/etc/passwd")])


def _corrupted_entry_zip() -> bytes:
    data = bytearray(_zip([("IM0", dicom_sample())], compression=zipfile.ZIP_STORED))
    data[2000] ^= 0xFF  # inside the stored file: the CRC no longer matches
    return bytes(data)


INSTANCE_CORPUS = {
    "empty file": (lambda: b"", "not_dicom"),
    "text file": (lambda: b"patient,notes\n" * 200, "not_dicom"),
    "png image": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(500), "not_dicom"),
    "missing DICM prefix": (lambda: (d := dicom_sample())[:128] + b"DICX" + d[132:], "not_dicom"),
    "executable preamble": (_bad_preamble, "bad_preamble"),
    "pixel data shorter than announced": (lambda: _with_dataset(_short_pixel_data), "pixel_data_length"),
    "no pixel data": (lambda: _with_dataset(_without_pixel_data), "missing_attribute"),
    "element length beyond the file": (_forged_element_length, "truncated"),
    "absurd rows": (lambda: dicom_sample(Rows=60000), "bad_dimensions"),
    "zero columns": (lambda: dicom_sample(Columns=0), "bad_dimensions"),
    "absurd frame count": (lambda: dicom_sample(NumberOfFrames=1_000_000), "bad_dimensions"),
    "path traversal SOP instance UID": (lambda: dicom_sample(sop_uid="../../etc"), "invalid_uid"),
    "path traversal study UID": (lambda: dicom_sample(study_uid="1.2/../../3"), "invalid_uid"),
    "UID with a leading zero": (lambda: dicom_sample(series_uid="1.2.03.4"), "invalid_uid"),
    "UID over 64 characters": (lambda: dicom_sample(sop_uid="1." + "2" * 70), "invalid_uid"),
    "RT dose is not an accepted image": (
        lambda: dicom_sample(SOPClassUID="1.2.840.10008.5.1.4.1.1.481.2"),
        "sop_class_not_allowed",
    ),
    "no study UID": (lambda: _with_dataset(lambda ds: delattr(ds, "StudyInstanceUID")), "missing_attribute"),
    # Malformed values in attributes intake itself never reads: later readers (WADO-RS metadata) would.
    "odd-length number in an unread attribute": (
        lambda: _inserted_before_pixel_data(_element(0x0018, 0x6012, b"US", b"\x01\x02\x03")),
        "unparsable",
    ),
    "odd-length number inside a sequence item": (_odd_length_number_in_a_sequence_item, "unparsable"),
}

TRUNCATION_REASONS = {"not_dicom", "unparsable", "truncated", "missing_attribute", "pixel_data_length"}


def assert_refused_cleanly(outcome, reason: str, media_root) -> IntakeRejection:
    assert outcome.status == IngestStatus.REJECTED
    assert outcome.reason == reason, outcome.message
    assert outcome.message
    assert Study.objects.count() == Series.objects.count() == Instance.objects.count() == 0
    assert not (media_root / "dicom").exists() or stored_dicom_files(media_root) == []
    rejection = IntakeRejection.objects.get(reason=reason)
    event = AuditEvent.objects.filter(outcome__in=[AuditOutcome.FAILED, AuditOutcome.DENIED]).get()
    assert event.detail["reason"] == reason and event.detail["intake_rejection"] == rejection.pk
    return rejection


@pytest.mark.parametrize("case", list(INSTANCE_CORPUS))
def test_hostile_instance_is_refused_with_a_reason_and_nothing_stored(case, intake_actor, media_root):
    build, reason = INSTANCE_CORPUS[case]
    data = build()

    outcome = instance_ingest(actor=intake_actor, source=IntakeSource.CSTORE, data=data, filename=case)

    rejection = assert_refused_cleanly(outcome, reason, media_root)
    assert rejection.filename == case and rejection.size_bytes == len(data)
    if data:
        assert (media_root / rejection.quarantine_file.name).read_bytes() == data


@pytest.mark.parametrize("offset", [64, 131, 132, 200, 400, 1000, 5000, 20000, 38000, 39205])
def test_file_truncated_anywhere_is_refused(offset, intake_actor, media_root):
    data = pydicom_file_bytes(CT)[:offset]

    outcome = instance_ingest(actor=intake_actor, source=IntakeSource.STOW, data=data)

    assert outcome.reason in TRUNCATION_REASONS
    assert_refused_cleanly(outcome, outcome.reason, media_root)


def test_bad_preamble_is_quarantined_and_reported(intake_actor, media_root):
    data = _bad_preamble()

    outcome = instance_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, data=data)

    rejection = assert_refused_cleanly(outcome, "bad_preamble", media_root)
    assert rejection.quarantine_file.name == f"quarantine/{rejection.sha256}"
    assert "quarantined" in outcome.message


def test_file_over_the_size_limit_is_refused_and_not_kept(settings, intake_actor, media_root):
    settings.DICOM_MAX_FILE_BYTES = 10_000
    data = pydicom_file_bytes(CT)

    outcome = instance_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, data=data)

    rejection = assert_refused_cleanly(outcome, "too_large", media_root)
    assert rejection.quarantine_file.name == ""
    assert not (media_root / "quarantine").exists()


def test_rejection_messages_do_not_echo_hostile_values(intake_actor, media_root):
    outcome = instance_ingest(
        actor=intake_actor, source=IntakeSource.CSTORE, data=dicom_sample(sop_uid="<script>1</script>")
    )

    assert outcome.reason == "invalid_uid" and "<script>" not in outcome.message


ARCHIVE_CORPUS = {
    "zip bomb": (lambda: _zip([("IM0", bytes(8 * 1024 * 1024))]), "archive_compression_ratio"),
    "nested zip by name": (lambda: _zip([("inner.zip", b"not really")]), "archive_nested"),
    "nested zip by content": (lambda: _zip([("IM0", _zip([("IM1", dicom_sample())]))]), "archive_nested"),
    "symlink entry": (_symlink_zip, "archive_unsafe_entry"),
    "parent directory entry": (lambda: _zip([("../evil.dcm", dicom_sample())]), "archive_unsafe_entry"),
    "nested parent directory entry": (
        lambda: _zip([("a/../../evil", dicom_sample())]),
        "archive_unsafe_entry",
    ),
    "absolute path entry": (lambda: _zip([("/etc/cron.d/evil", dicom_sample())]), "archive_unsafe_entry"),
    "windows drive entry": (lambda: _zip([("C:\\evil.dcm", dicom_sample())]), "archive_unsafe_entry"),
    "corrupted entry": (_corrupted_entry_zip, "archive_invalid"),
    "truncated archive": (lambda: _zip([("IM0", dicom_sample())])[:3000], "archive_invalid"),
    "empty archive": (lambda: _zip([]), "archive_invalid"),
}


@pytest.mark.parametrize("case", list(ARCHIVE_CORPUS))
def test_hostile_archive_is_refused_whole(case, coordinator_actor, media_root):
    build, reason = ARCHIVE_CORPUS[case]

    outcomes = upload_ingest(
        actor=coordinator_actor, source=IntakeSource.UPLOAD, name="upload.zip", data=build()
    )

    assert len(outcomes) == 1
    assert_refused_cleanly(outcomes[0], reason, media_root)
    assert AuditEvent.objects.get(outcome=AuditOutcome.FAILED).object_type == "dicom_archive"


def test_archive_with_too_many_entries_is_refused(settings, coordinator_actor, media_root):
    settings.DICOM_ARCHIVE_MAX_ENTRIES = 3
    data = _zip([(f"IM{i}", dicom_sample()) for i in range(5)])

    outcomes = upload_ingest(actor=coordinator_actor, source=IntakeSource.UPLOAD, name="many.zip", data=data)

    assert_refused_cleanly(outcomes[0], "archive_too_many_entries", media_root)


def test_archive_expanding_beyond_the_total_is_refused(settings, coordinator_actor, media_root):
    settings.DICOM_ARCHIVE_MAX_TOTAL_BYTES = 100_000
    data = _zip([(f"IM{i}", dicom_sample()) for i in range(3)])

    outcomes = upload_ingest(actor=coordinator_actor, source=IntakeSource.UPLOAD, name="big.zip", data=data)

    assert_refused_cleanly(outcomes[0], "archive_too_large", media_root)


def test_archive_entry_over_the_entry_limit_is_refused(settings, coordinator_actor, media_root):
    settings.DICOM_ARCHIVE_MAX_ENTRY_BYTES = 20_000
    data = _zip([("IM0", dicom_sample())])

    outcomes = upload_ingest(actor=coordinator_actor, source=IntakeSource.UPLOAD, name="big.zip", data=data)

    assert_refused_cleanly(outcomes[0], "archive_too_large", media_root)


def test_bad_entries_of_a_sound_archive_are_refused_one_by_one(coordinator_actor, media_root):
    data = _zip([("good", dicom_sample()), ("notes.txt", b"not an image")])

    outcomes = upload_ingest(actor=coordinator_actor, source=IntakeSource.UPLOAD, name="mixed.zip", data=data)

    assert [(o.status, o.reason) for o in outcomes] == [
        (IngestStatus.STORED, ""),
        (IngestStatus.REJECTED, "not_dicom"),
    ]
    assert outcomes[1].filename == "mixed.zip: notes.txt"
    assert Instance.objects.count() == 1 and IntakeRejection.objects.get().reason == "not_dicom"
