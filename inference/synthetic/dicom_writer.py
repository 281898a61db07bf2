"""DICOM Part 10 files for the synthetic images: MG "for presentation" views and CT slices.

Specs are plain dataclasses; `write_dicom` accepts a spec or a ready pydicom Dataset and writes
it with a 128-byte zero preamble, proper file meta and the chosen transfer syntax.
"""

import uuid
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    CTImageStorage,
    DigitalMammographyXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    RLELossless,
)

TRANSFER_SYNTAXES = {
    "explicit": ExplicitVRLittleEndian,
    "implicit": ImplicitVRLittleEndian,
    "rle": RLELossless,
}
_UID_NAMESPACE = uuid.UUID("6f1d2b9e-5c3a-4e8f-9a71-3c0b8d2e4f55")
_VIEW_CODES = {"CC": ("399162004", "cranio-caudal"), "MLO": ("399368009", "medio-lateral oblique")}
_PATIENT_ORIENTATION = {
    ("R", "CC"): ["P", "L"],
    ("L", "CC"): ["A", "R"],
    ("R", "MLO"): ["P", "FL"],
    ("L", "MLO"): ["A", "FR"],
}


def deterministic_uid(*parts: object) -> str:
    """A 2.25 UID from a name-based UUID of the parts, so the same seed always gives the same UID.

    pydicom's ``generate_uid(prefix=None, entropy_srcs=...)`` ignores the entropy and returns a
    random UUID, so the name-based UUID (uuid5) is built here instead.
    """
    return f"2.25.{uuid.uuid5(_UID_NAMESPACE, '|'.join(str(part) for part in parts)).int}"


@dataclass(frozen=True)
class Vendor:
    """A fictional equipment vendor; vendors differ in bit depth, as real ones do."""

    manufacturer: str
    model_name: str
    software_version: str
    bits_stored: int = 12


@dataclass(frozen=True)
class PatientStudy:
    """Who and which study: the attributes every image of a study shares."""

    patient_id: str
    issuer: str
    family_name: str
    given_name: str
    birth_date: date
    sex: str
    study_uid: str
    accession_number: str
    study_date: date
    study_time: time
    study_description: str
    vendor: Vendor


@dataclass(frozen=True)
class MammographyImageSpec:
    """One MG view: pixels (uint16, MONOCHROME2) with laterality, view and detector geometry."""

    study: PatientStudy
    series_uid: str
    sop_uid: str
    instance_number: int
    laterality: str
    view_position: str
    pixels: np.ndarray
    pixel_spacing_mm: float
    bits_stored: int


@dataclass(frozen=True)
class CtSliceSpec:
    """One axial CT slice: stored values (HU + 1024) and where the slice lies in the patient."""

    study: PatientStudy
    series_uid: str
    frame_of_reference_uid: str
    sop_uid: str
    instance_number: int
    pixels: np.ndarray
    pixel_spacing_mm: float
    slice_thickness_mm: float
    position_mm: tuple[float, float, float]


def _code(value: str, meaning: str, scheme: str = "SCT") -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _common(ds: Dataset, study: PatientStudy, modality: str, sop_class: str, sop_uid: str) -> None:
    """Patient, general study, series basics, equipment and SOP common attributes."""
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_uid
    ds.PatientName = f"{study.family_name}^{study.given_name}"
    ds.PatientID, ds.IssuerOfPatientID = study.patient_id, study.issuer
    ds.PatientBirthDate, ds.PatientSex = study.birth_date.strftime("%Y%m%d"), study.sex
    ds.StudyInstanceUID, ds.StudyID = study.study_uid, study.accession_number[-8:]
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = study.study_date.strftime("%Y%m%d")
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = study.study_time.strftime("%H%M%S")
    ds.AccessionNumber, ds.StudyDescription = study.accession_number, study.study_description
    ds.ReferringPhysicianName = ""
    ds.Modality = modality
    ds.Manufacturer, ds.ManufacturerModelName = study.vendor.manufacturer, study.vendor.model_name
    ds.SoftwareVersions, ds.InstitutionName = study.vendor.software_version, "Synthetic Screening Unit"
    ds.DeviceSerialNumber = deterministic_uid(study.vendor.model_name)[-6:]


def _pixels(ds: Dataset, pixels: np.ndarray, bits_stored: int) -> None:
    """Image pixel module for unsigned 16-bit MONOCHROME2 data."""
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, bits_stored, bits_stored - 1, 0
    ds.PixelData = np.ascontiguousarray(pixels, dtype="<u2").tobytes()


def mammography_dataset(spec: MammographyImageSpec) -> Dataset:
    """A Digital Mammography X-Ray Image (For Presentation) dataset for one view."""
    ds = Dataset()
    sop_class = DigitalMammographyXRayImageStorageForPresentation
    _common(ds, spec.study, "MG", sop_class, spec.sop_uid)
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber = spec.series_uid, 1, spec.instance_number
    ds.SeriesDescription = "Screening mammography"
    ds.ImageType = ["ORIGINAL", "PRIMARY", ""]
    ds.PresentationIntentType, ds.BurnedInAnnotation, ds.LossyImageCompression = (
        "FOR PRESENTATION",
        "NO",
        "00",
    )
    ds.BodyPartExamined, ds.OrganExposed = "BREAST", "BREAST"
    ds.ImageLaterality, ds.ViewPosition = spec.laterality, spec.view_position
    ds.PatientOrientation = _PATIENT_ORIENTATION[(spec.laterality, spec.view_position)]
    ds.AnatomicRegionSequence = Sequence([_code("76752008", "Breast")])
    ds.ViewCodeSequence = Sequence([_code(*_VIEW_CODES[spec.view_position])])
    ds.ViewCodeSequence[0].ViewModifierCodeSequence = Sequence()
    ds.BreastImplantPresent, ds.PartialView, ds.PositionerType = "NO", "NO", "MAMMOGRAPHIC"
    ds.DetectorType, ds.PixelIntensityRelationship, ds.PixelIntensityRelationshipSign = "DIRECT", "LOG", 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "US"
    ds.PresentationLUTShape = "IDENTITY"
    spacing = [round(spec.pixel_spacing_mm, 6)] * 2
    ds.PixelSpacing = ds.ImagerPixelSpacing = spacing
    ds.KVP, ds.ExposureInuAs, ds.AnodeTargetMaterial, ds.FilterMaterial = 29, 80000, "TUNGSTEN", "RHODIUM"
    ds.BodyPartThickness, ds.CompressionForce = 55, 110
    top = 2**spec.bits_stored
    ds.WindowCenter, ds.WindowWidth = top // 2, top - top // 8
    ds.VOILUTFunction = "LINEAR"
    _pixels(ds, spec.pixels, spec.bits_stored)
    return ds


def ct_slice_dataset(spec: CtSliceSpec) -> Dataset:
    """A CT Image Storage dataset for one axial slice, shown in a lung window."""
    ds = Dataset()
    _common(ds, spec.study, "CT", CTImageStorage, spec.sop_uid)
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber = spec.series_uid, 2, spec.instance_number
    ds.SeriesDescription, ds.BodyPartExamined = "Low-dose chest CT", "CHEST"
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = spec.frame_of_reference_uid, ""
    ds.PatientPosition, ds.AcquisitionNumber = "FFS", 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.BurnedInAnnotation, ds.LossyImageCompression = "NO", "00"
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [round(value, 4) for value in spec.position_mm]
    ds.SliceLocation = round(spec.position_mm[2], 4)
    ds.SliceThickness = ds.SpacingBetweenSlices = round(spec.slice_thickness_mm, 4)
    ds.PixelSpacing = [round(spec.pixel_spacing_mm, 6)] * 2
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
    ds.KVP, ds.XRayTubeCurrent, ds.CTDIvol, ds.ConvolutionKernel = 120, 30, 1.2, "LUNG"
    ds.WindowCenter, ds.WindowWidth, ds.WindowCenterWidthExplanation = -600, 1500, "LUNG"
    _pixels(ds, spec.pixels, 12)
    return ds


def write_dicom(
    ds_or_spec: Dataset | MammographyImageSpec | CtSliceSpec,
    path: Path | str,
    transfer_syntax: str = "explicit",
) -> Path:
    """Write a Part 10 file in 'explicit', 'implicit' or 'rle' (RLE Lossless) transfer syntax."""
    if isinstance(ds_or_spec, MammographyImageSpec):
        ds = mammography_dataset(ds_or_spec)
    elif isinstance(ds_or_spec, CtSliceSpec):
        ds = ct_slice_dataset(ds_or_spec)
    else:
        ds = ds_or_spec
    syntax = TRANSFER_SYNTAXES[transfer_syntax]
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = (
        ds.SOPClassUID,
        ds.SOPInstanceUID,
    )
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian if syntax == RLELossless else syntax
    if syntax == RLELossless:
        ds.compress(RLELossless, generate_instance_uid=False)
    ds.preamble = b"\x00" * 128
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(
        target, enforce_file_format=True, implicit_vr=syntax == ImplicitVRLittleEndian, little_endian=True
    )
    return target
