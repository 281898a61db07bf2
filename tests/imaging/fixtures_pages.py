"""Fixtures for the rendering and imaging page tests: stored instances built from real DICOM files.

Instances are stored directly (file in the default storage, rows in the database) so rendering and
the pages are tested without going through intake.
"""

import hashlib
from io import BytesIO
from pathlib import Path

import pydicom
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from screening.imaging.models import Instance, IntakeSource, Series, Study, StudyMatch


def sample_path(name: str) -> Path:
    path = get_testdata_file(name)
    assert path is not None, f"pydicom test file {name} is missing"
    return Path(str(path))


def sample_dataset(name: str) -> Dataset:
    return pydicom.dcmread(sample_path(name))


def dataset_bytes(dataset: Dataset) -> bytes:
    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def with_fresh_uids(
    dataset: Dataset, *, study_uid: str | None = None, series_uid: str | None = None
) -> Dataset:
    """The same image under new UIDs, so one test file can stand for several instances."""
    dataset.StudyInstanceUID = study_uid or generate_uid()
    dataset.SeriesInstanceUID = series_uid or generate_uid()
    dataset.SOPInstanceUID = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    return dataset


def store_instance(
    dataset: Dataset,
    *,
    study: Study | None = None,
    series: Series | None = None,
    modality: str | None = None,
    laterality: str = "",
    view_position: str = "",
    instance_number: int | None = None,
    slice_location: float | None = None,
) -> Instance:
    """Save a dataset's bytes in the default storage and record its study, series and instance."""
    modality = modality or str(dataset.get("Modality") or "OT")
    data = dataset_bytes(dataset)
    if study is None:
        study = Study.objects.create(
            study_instance_uid=str(dataset.get("StudyInstanceUID") or generate_uid()),
            modality=modality,
            first_source=IntakeSource.UPLOAD,
            match_status=StudyMatch.AWAITING_RECONCILIATION,
        )
    if series is None:
        series = Series.objects.create(
            study=study,
            series_instance_uid=generate_uid(),
            series_number=study.series.count() + 1,
            modality=modality,
        )
    sop_uid = str(dataset.SOPInstanceUID)
    name = default_storage.save(f"dicom/{study.study_instance_uid}/{sop_uid}.dcm", ContentFile(data))
    return Instance.objects.create(
        series=series,
        sop_instance_uid=sop_uid,
        sop_class_uid=str(dataset.SOPClassUID),
        transfer_syntax_uid=str(dataset.file_meta.TransferSyntaxUID),
        instance_number=instance_number,
        laterality=laterality,
        view_position=view_position,
        rows=int(dataset.Rows),
        columns=int(dataset.Columns),
        frames=int(dataset.get("NumberOfFrames") or 1),
        bits_stored=int(dataset.BitsStored),
        photometric_interpretation=str(dataset.PhotometricInterpretation),
        slice_location=slice_location,
        file=name,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        source=IntakeSource.UPLOAD,
    )


def store_sample(name: str, **kwargs) -> Instance:
    """A pydicom test file stored as an instance (under fresh UIDs)."""
    return store_instance(with_fresh_uids(sample_dataset(name)), **kwargs)
