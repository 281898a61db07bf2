"""The ingestion service: real files of every transfer syntax are stored once, with their metadata."""

import hashlib
import threading
import zipfile
from io import BytesIO

import pydicom
import pytest
from django.db import connection
from pydicom.uid import generate_uid

from screening.core.models import AuditEvent, AuditOutcome
from screening.imaging.ingestion_services import (
    IngestStatus,
    instance_ingest,
    upload_ingest,
)
from screening.imaging.models import Instance, IntakeSource, Series, Study, StudyMatch
from tests.imaging.conftest import dicom_sample, pydicom_file_bytes, stored_dicom_files

REAL_FILES = [
    "CT_small.dcm",  # explicit VR little endian
    "MR_small_implicit.dcm",  # implicit VR little endian
    "MR_small_bigendian.dcm",  # explicit VR big endian
    "image_dfl.dcm",  # deflated explicit VR little endian
    "MR_small_RLE.dcm",  # RLE lossless
    "SC_rgb_jpeg_dcmtk.dcm",  # JPEG baseline
    "JPEG-lossy.dcm",  # JPEG extended
    "SC_rgb_jpeg_gdcm.dcm",  # JPEG lossless, first-order prediction
    "MR_small_jpeg_ls_lossless.dcm",  # JPEG-LS lossless
    "JPEGLSNearLossless_16.dcm",  # JPEG-LS near-lossless (has no study UIDs: given fresh ones)
    "JPEG2000.dcm",  # JPEG 2000
    "MR_small_jp2klossless.dcm",  # JPEG 2000 lossless
    "SC_rgb_rle_2frame.dcm",  # multi-frame RLE
    # pydicom-data
    "JPEG-LL.dcm",  # JPEG lossless, 1024 x 1024 NM
    "emri_small.dcm",  # enhanced MR, 10 frames
    "emri_small_big_endian.dcm",
    "US1_UNCR.dcm",  # ultrasound RGB
    "MR2_J2KI.dcm",  # JPEG 2000 MR
    "693_UNCI.dcm",  # CT 512 x 512
]
WITHOUT_STUDY_UIDS = {"JPEGLSNearLossless_16.dcm"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", REAL_FILES)
def test_real_file_of_every_transfer_syntax_is_stored_under_its_uids(name, intake_actor, media_root):
    data = dicom_sample(name) if name in WITHOUT_STUDY_UIDS else pydicom_file_bytes(name)
    reference = pydicom.dcmread(BytesIO(data), stop_before_pixels=True)

    outcome = instance_ingest(actor=intake_actor, source=IntakeSource.CSTORE, data=data, filename=name)

    assert outcome.status == IngestStatus.STORED, outcome.message
    instance = Instance.objects.select_related("series__study").get()
    assert instance.sop_instance_uid == reference.SOPInstanceUID
    assert instance.transfer_syntax_uid == reference.file_meta.TransferSyntaxUID
    assert instance.series.study.study_instance_uid == reference.StudyInstanceUID
    expected_path = (
        f"dicom/{reference.StudyInstanceUID}/{reference.SeriesInstanceUID}/{reference.SOPInstanceUID}.dcm"
    )
    assert instance.file.name == expected_path
    stored = (media_root / expected_path).read_bytes()
    assert stored[:128] == bytes(128) and stored[128:] == data[128:]
    assert instance.sha256 == hashlib.sha256(data).hexdigest()
    assert instance.size_bytes == len(data)
    assert (instance.rows, instance.columns) == (reference.Rows, reference.Columns)
    assert instance.frames == int(reference.get("NumberOfFrames") or 1)


@pytest.mark.django_db
def test_metadata_later_stages_need_is_extracted(intake_actor):
    data = pydicom_file_bytes("CT_small.dcm")

    instance = instance_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, data=data).instance

    assert instance is not None
    study, series = instance.series.study, instance.series
    assert study.dicom_patient_id == "1CT1"
    assert study.modality == "CT" and series.modality == "CT"
    assert str(study.study_date) == "2004-01-19"
    assert series.manufacturer == "GE MEDICAL SYSTEMS"
    assert series.manufacturer_model == "RHAPSODE"
    assert series.software_versions
    assert instance.pixel_spacing == [0.661468, 0.661468]
    assert instance.slice_thickness == 5.0
    assert instance.image_position == [-158.135803, -179.035797, -75.699997]
    assert len(instance.image_orientation) == 6
    assert instance.bits_stored == 16
    assert instance.photometric_interpretation == "MONOCHROME2"
    assert study.first_source == IntakeSource.UPLOAD and instance.source == IntakeSource.UPLOAD


@pytest.mark.django_db
def test_mammography_laterality_view_and_burned_in_flag_are_extracted(intake_actor):
    data = dicom_sample(
        SOPClassUID=pydicom.uid.DigitalMammographyXRayImageStorageForPresentation,
        Modality="MG",
        ImageLaterality="R",
        ViewPosition="MLO",
        BurnedInAnnotation="NO",
        ImagerPixelSpacing=[0.07, 0.07],
        PixelSpacing=None,
    )

    instance = instance_ingest(actor=intake_actor, source=IntakeSource.STOW, data=data).instance

    assert instance is not None
    assert (instance.laterality, instance.view_position, instance.view_label) == ("R", "MLO", "R-MLO")
    assert instance.burned_in_annotation is False
    assert instance.pixel_spacing == [0.07, 0.07]


@pytest.mark.django_db
def test_acquisition_kvp_exposure_and_implant_are_extracted_for_input_drift(intake_actor):
    data = dicom_sample(
        SOPClassUID=pydicom.uid.DigitalMammographyXRayImageStorageForPresentation,
        Modality="MG",
        KVP=29,
        Exposure=None,
        ExposureInuAs=80000,
        BreastImplantPresent="YES",
    )

    instance = instance_ingest(actor=intake_actor, source=IntakeSource.STOW, data=data).instance

    assert instance is not None
    assert (instance.kvp, instance.exposure_mas, instance.implant_present) == (29.0, 80.0, True)


@pytest.mark.django_db
def test_same_instance_sent_twice_is_stored_once_and_reported_already_present(intake_actor, media_root):
    data = dicom_sample()

    first = instance_ingest(actor=intake_actor, source=IntakeSource.CSTORE, data=data)
    second = instance_ingest(actor=intake_actor, source=IntakeSource.STOW, data=data)

    assert first.status == IngestStatus.STORED
    assert second.status == IngestStatus.ALREADY_PRESENT
    assert second.instance == first.instance and second.study == first.study
    assert Instance.objects.count() == Series.objects.count() == Study.objects.count() == 1
    assert len(stored_dicom_files(media_root)) == 1
    repeat = AuditEvent.objects.filter(object_type="dicom_instance").order_by("sequence").last()
    assert repeat.detail["already_present"] is True and repeat.outcome == AuditOutcome.SUCCESS


@pytest.mark.django_db
def test_instances_of_one_study_share_the_study_and_their_series(intake_actor):
    study_uid, series_a, series_b = generate_uid(), generate_uid(), generate_uid()
    for series_uid, count in ((series_a, 3), (series_b, 2)):
        for _ in range(count):
            outcome = instance_ingest(
                actor=intake_actor,
                source=IntakeSource.CSTORE,
                data=dicom_sample(study_uid=study_uid, series_uid=series_uid),
            )
            assert outcome.status == IngestStatus.STORED

    study = Study.objects.get()
    assert study.study_instance_uid == study_uid
    assert sorted(s.instances.count() for s in study.series.all()) == [2, 3]


@pytest.mark.django_db
def test_stored_file_is_audited_without_identifying_detail(intake_actor):
    outcome = instance_ingest(
        actor=intake_actor, source=IntakeSource.CSTORE, data=pydicom_file_bytes("CT_small.dcm")
    )

    event = AuditEvent.objects.get(object_type="dicom_instance")
    assert event.outcome == AuditOutcome.SUCCESS and event.object_id == str(outcome.instance.pk)
    assert event.actor_username == "system:cstore:TESTMODALITY"
    assert "1CT1" not in str(event.detail) and "CompressedSamples" not in str(event.detail)


@pytest.mark.django_db
def test_storage_path_ignores_the_file_name(intake_actor, media_root):
    data = dicom_sample()

    outcome = instance_ingest(
        actor=intake_actor, source=IntakeSource.UPLOAD, data=data, filename="../../etc/passwd"
    )

    assert outcome.status == IngestStatus.STORED and outcome.filename == "../../etc/passwd"
    assert outcome.instance.file.name.startswith("dicom/") and ".." not in outcome.instance.file.name
    assert not (media_root.parent / "etc").exists()


@pytest.mark.django_db
def test_tiff_preamble_is_accepted_and_stored_zeroed(intake_actor, media_root):
    data = dicom_sample()
    dual = b"II*\x00" + bytes(range(124)) + data[128:]

    outcome = instance_ingest(actor=intake_actor, source=IntakeSource.UPLOAD, data=dual)

    assert outcome.status == IngestStatus.STORED
    assert (media_root / outcome.instance.file.name).read_bytes()[:128] == bytes(128)


@pytest.mark.django_db
def test_upload_of_a_zip_ingests_each_entry(coordinator_actor):
    study_uid = generate_uid()
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(3):
            archive.writestr(f"study/IM{index}", dicom_sample(study_uid=study_uid))
        archive.writestr("study/", b"")  # a folder entry is not a file

    outcomes = upload_ingest(
        actor=coordinator_actor, source=IntakeSource.UPLOAD, name="exam.zip", data=buffer.getvalue()
    )

    assert [outcome.status for outcome in outcomes] == [IngestStatus.STORED] * 3
    assert outcomes[0].filename == "exam.zip: study/IM0"
    assert Study.objects.get().series.count() == 3


@pytest.mark.django_db
def test_upload_of_a_single_file_is_detected_by_content_not_name(coordinator_actor):
    outcomes = upload_ingest(
        actor=coordinator_actor, source=IntakeSource.UPLOAD, name="scan.zip", data=dicom_sample()
    )

    assert [outcome.status for outcome in outcomes] == [IngestStatus.STORED]


@pytest.mark.django_db
def test_unmatched_study_waits_for_reconciliation(intake_actor):
    outcome = instance_ingest(
        actor=intake_actor, source=IntakeSource.CSTORE, data=dicom_sample(PatientID="UNKNOWN9")
    )

    assert outcome.study.match_status == StudyMatch.AWAITING_RECONCILIATION
    assert outcome.study.match_note == "no participant with this identifier"


def _send_concurrently(actor, files: list[bytes], threads: int) -> list[str]:
    statuses: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def sender(chunk: list[bytes]) -> None:
        try:
            barrier.wait()
            for data in chunk:
                outcome = instance_ingest(actor=actor, source=IntakeSource.CSTORE, data=data)
                with lock:
                    statuses.append(outcome.status)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # Every thread sends every file, in a different order: each instance races four times.
    workers = [
        threading.Thread(target=sender, args=(files if i % 2 == 0 else list(reversed(files)),))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors, errors
    return statuses


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_of_one_study_end_with_one_study_and_right_counts(intake_actor, media_root):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises whole transactions)")
    study_uid, series_uids = generate_uid(), [generate_uid(), generate_uid()]
    files = [dicom_sample(study_uid=study_uid, series_uid=series_uids[i % 2]) for i in range(6)]

    statuses = _send_concurrently(intake_actor, files, threads=4)

    assert len(statuses) == 24
    assert statuses.count(IngestStatus.STORED) == 6
    assert statuses.count(IngestStatus.ALREADY_PRESENT) == 18
    assert Study.objects.count() == 1
    assert Series.objects.filter(study__study_instance_uid=study_uid).count() == 2
    assert Instance.objects.count() == 6
    assert len(stored_dicom_files(media_root)) == 6
