"""The AI's heat map of an image as a DICOM Secondary Capture aligned with the exported image.

The heat map (float 0..1, any size, covering the whole image as inference/heatmaps.py makes it) is
scaled to the source image's rows and columns, stored as 8-bit grey (heat x 255), and placed in the
source's pseudonymous study and frame of reference, with a Source Image Sequence naming the
exported image: a researcher overlays it pixel for pixel.
"""

import datetime
from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage

from .dataset_cleaning import CleaningContext, clean_dataset
from .deidentify import FileOutcome, _fresh_file_meta, _record_method, _write_atomically
from .options import DeidOptions
from .pseudonyms import Pseudonymiser

HEATMAP_SERIES_NUMBER = 900
# Copied from the source, then handled by the profile like any other attribute.
_FROM_SOURCE = (
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "PatientSex",
    "PatientAge",
    "Modality",
    "InstanceNumber",
    "FrameOfReferenceUID",
    "PatientOrientation",
    "ImageLaterality",
    "Laterality",
    "PixelSpacing",
)


def _scaled_to(heat: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Nearest-neighbour resampling of the heat map onto the image grid, as 8-bit levels."""
    heat = np.clip(np.asarray(heat, dtype=np.float32), 0.0, 1.0)
    row_index = (np.arange(rows) * heat.shape[0] // rows).astype(np.intp)
    column_index = (np.arange(columns) * heat.shape[1] // columns).astype(np.intp)
    return np.round(heat[np.ix_(row_index, column_index)] * 255).astype(np.uint8)


def _heatmap_dataset(source: Dataset, heat: np.ndarray, model_version: str) -> Dataset:
    dataset = Dataset()
    dataset.SpecificCharacterSet = "ISO_IR 100"
    dataset.SOPClassUID = SecondaryCaptureImageStorage
    for keyword in _FROM_SOURCE:
        if keyword in source:
            setattr(dataset, keyword, source[keyword].value)
    dataset.AccessionNumber = dataset.StudyID = dataset.ReferringPhysicianName = ""
    for keyword in ("Laterality", "PatientOrientation"):  # Type 2C in the SC IOD: present, maybe empty
        if keyword not in dataset:
            setattr(dataset, keyword, "")
    dataset.PatientBirthDate = ""
    dataset.SeriesNumber, dataset.SeriesDescription = HEATMAP_SERIES_NUMBER, "AI heat map"
    dataset.ConversionType, dataset.BurnedInAnnotation = "SYN", "NO"
    dataset.ImageType = ["DERIVED", "SECONDARY"]
    dataset.DerivationDescription = f"AI heat map, model {model_version}: probability x 255"[:1024]
    reference = Dataset()
    reference.ReferencedSOPClassUID = source.SOPClassUID
    reference.ReferencedSOPInstanceUID = source.SOPInstanceUID
    dataset.SourceImageSequence = Sequence([reference])
    pixels = _scaled_to(heat, int(source.Rows), int(source.Columns))
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation = 1, "MONOCHROME2"
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit, dataset.PixelRepresentation = 8, 8, 7, 0
    dataset.PixelData = pixels.tobytes()
    return dataset


def heatmap_secondary_capture(
    heat: np.ndarray,
    *,
    source: Path,
    dst: Path,
    model_version: str,
    pseudonymiser: Pseudonymiser,
    options: DeidOptions,
    participant_id: str,
    participant_pseudonym: str,
) -> FileOutcome:
    """Write the heat map of `source` (an original file) as a de-identified Secondary Capture."""
    original = dcmread(source, stop_before_pixels=True)
    dataset = _heatmap_dataset(original, heat, model_version)
    offset = datetime.timedelta(days=pseudonymiser.date_offset_days(participant_id))
    clean_dataset(dataset, CleaningContext(options=options, pseudonymiser=pseudonymiser, date_offset=offset))
    dataset.PatientName = dataset.PatientID = participant_pseudonym
    # Keyed from the source's UIDs and the model: the same export gives the same UIDs again.
    series = original.get("SeriesInstanceUID", original.StudyInstanceUID)
    dataset.SeriesInstanceUID = pseudonymiser.uid(f"{series}/heatmap/{model_version}")
    dataset.SOPInstanceUID = pseudonymiser.uid(f"{original.SOPInstanceUID}/heatmap/{model_version}")
    _record_method(dataset, options)
    _fresh_file_meta(dataset, ExplicitVRLittleEndian)
    _write_atomically(dataset, dst, source, None)
    return FileOutcome(written=True, withheld_reason=None, sop_instance_uid=str(dataset.SOPInstanceUID))
