"""Imaging fixtures: storage in a temporary folder, and DICOM files built from real test images."""

import warnings
from io import BytesIO
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import DigitalMammographyXRayImageStorageForPresentation, generate_uid

from screening.core.actors import Actor


@pytest.fixture(autouse=True)
def media_root(media_in_tmp) -> Path:
    """Every imaging test stores under tmp_path, never in var/."""
    return media_in_tmp


@pytest.fixture
def intake_actor() -> Actor:
    return Actor.system("cstore:TESTMODALITY")


def pydicom_file_path(name: str) -> str:
    """A pydicom (or pydicom-data) test file that is installed locally."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # get_testdata_file warns before trying a download
        path = get_testdata_file(name)
    if path is None:
        pytest.skip(f"pydicom test file {name} is not installed")
    return str(path)


def pydicom_file_bytes(name: str) -> bytes:
    return Path(pydicom_file_path(name)).read_bytes()


def dataset_bytes(dataset: Dataset) -> bytes:
    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def dicom_sample(
    name: str = "CT_small.dcm",
    *,
    study_uid: str | None = None,
    series_uid: str | None = None,
    sop_uid: str | None = None,
    **attributes: object,
) -> bytes:
    """A real test image with fresh (or the given) UIDs and attributes changed, as Part 10 bytes."""
    dataset = pydicom.dcmread(pydicom_file_path(name))
    dataset.StudyInstanceUID = study_uid or generate_uid()
    dataset.SeriesInstanceUID = series_uid or generate_uid()
    dataset.SOPInstanceUID = sop_uid or generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    for keyword, value in attributes.items():
        setattr(dataset, keyword, value)
    return dataset_bytes(dataset)


def mammogram_sample(
    *, patient_id: str, laterality: str = "L", view: str = "CC", **attributes: object
) -> bytes:
    """A small mammogram (CT_small's pixels relabelled as MG) for a participant."""
    attributes = {
        "SOPClassUID": DigitalMammographyXRayImageStorageForPresentation,
        "Modality": "MG",
        "PatientID": patient_id,
        "ImageLaterality": laterality,
        "ViewPosition": view,
        "BodyPartExamined": "BREAST",
        **attributes,
    }
    data = dicom_sample(**attributes)  # type: ignore[arg-type]
    dataset = pydicom.dcmread(BytesIO(data))
    dataset.file_meta.MediaStorageSOPClassUID = dataset.SOPClassUID
    return dataset_bytes(dataset)


def stored_dicom_files(media: Path) -> list[Path]:
    return sorted(path for path in (media / "dicom").rglob("*") if path.is_file())
