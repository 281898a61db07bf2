"""The AI's heat map of an image as a DICOM Secondary Capture the PACS viewers show.

Secondary Capture, not a Segmentation or Parametric Map: every PACS viewer displays an RGB
Secondary Capture, while SEG and PM are shown by few, and both must repeat the source image's full
matrix (a 64-pixel heat map would become megabytes per image). The capture is the source image
(subsampled to a long side near HEATMAP_SIZE, windowed between its 1st and 99th percentiles: a
guide to where the heat lies, not a diagnostic rendering) with the heat map blended over it in
the product's own colour ramp (inference_jobs.heatmap_overlay: transparent where the model saw
nothing), in the source's study, a series of its own, referencing the source image (and frame)
it was drawn on. It is marked derived, with burned-in annotation, and described as advisory.
The overlay goes from its levels to Pillow's resize and composite as arrays (no PNG between them:
a numpy bilinear stretch and blend was measured slower than Pillow's C code, so Pillow stays).
"""

import numpy as np
from highdicom.sc import SCImage
from PIL import Image
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from screening.imaging.models import Instance
from screening.imaging.rendering import frame_decode
from screening.inference_jobs.heatmap_overlay import overlay_rgba, stored_heat
from screening.inference_jobs.models import InferenceImageResult, InferenceResult
from screening.outbound.sr_evidence import HEATMAP_SERIES, MANUFACTURER, derived_uid, study_header

HEATMAP_SIZE = 512
NATIVE = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)


def underlay(instance: Instance, frame: int) -> np.ndarray:
    """The source frame as 8-bit grey, subsampled to a long side near HEATMAP_SIZE. Uncompressed
    single-frame grey images are subsampled straight from their pixel bytes (a full-size mammogram
    is never decoded whole); others go through the imaging app's decoder."""
    with instance.file.open("rb") as stored:
        dataset = dcmread(stored)
    native = (
        dataset.file_meta.get("TransferSyntaxUID") in NATIVE
        and int(dataset.get("SamplesPerPixel", 1)) == 1
        and int(dataset.get("NumberOfFrames") or 1) == 1
        and int(dataset.get("BitsAllocated", 0)) in (8, 16)
    )
    if native:
        signed = int(dataset.get("PixelRepresentation", 0)) == 1
        dtype = np.dtype(f"{'i' if signed else 'u'}{int(dataset.BitsAllocated) // 8}").newbyteorder("<")
        pixels = np.frombuffer(dataset.PixelData, dtype=dtype, count=instance.rows * instance.columns)
        pixels = pixels.reshape(instance.rows, instance.columns)
    else:
        pixels = frame_decode(instance, frame).pixels
        if pixels.ndim == 3:
            pixels = pixels.mean(axis=2)
    step = max(1, -(-max(pixels.shape) // HEATMAP_SIZE))
    sample = pixels[::step, ::step].astype(np.float32)
    low, high = np.percentile(sample, [1, 99])
    grey = np.clip((sample - low) / max(float(high - low), 1e-6), 0, 1)
    if str(dataset.get("PhotometricInterpretation", "")) == "MONOCHROME1":
        grey = 1.0 - grey
    return np.rint(grey * 255).astype(np.uint8)


def heatmap_overlay_pixels(image: InferenceImageResult) -> np.ndarray:
    """The source frame (grey, long side near HEATMAP_SIZE) with the heat map over it, as RGB."""
    instance = image.instance
    grey = underlay(instance, image.slice_index if instance.frames > 1 else 0)
    base = Image.fromarray(grey, mode="L").convert("RGBA")
    heat = Image.fromarray(overlay_rgba(stored_heat(image)), mode="RGBA")
    overlay = heat.resize(base.size, Image.Resampling.BILINEAR)
    return np.asarray(Image.alpha_composite(base, overlay).convert("RGB"))


def heatmap_capture(result: InferenceResult, image: InferenceImageResult, *, number: int) -> SCImage:
    """One image's heat map as a Secondary Capture in the source's study."""
    instance = image.instance
    study = result.study
    uid_key = ("heatmap", study.study_instance_uid, result.model_name, result.model_version, result.pk)
    header = study_header(study)
    capture = SCImage(
        pixel_array=heatmap_overlay_pixels(image),
        photometric_interpretation="RGB",
        bits_allocated=8,
        coordinate_system="PATIENT",
        study_instance_uid=study.study_instance_uid,
        series_instance_uid=derived_uid(*uid_key, "series"),
        series_number=HEATMAP_SERIES,
        sop_instance_uid=derived_uid(*uid_key, instance.sop_instance_uid, image.slice_index),
        instance_number=number,
        manufacturer=MANUFACTURER,
        patient_id=header.PatientID,
        patient_name=header.PatientName,
        patient_birth_date=header.PatientBirthDate,
        patient_sex=header.PatientSex or None,
        accession_number=header.AccessionNumber,
        study_id=header.StudyID,
        study_date=header.StudyDate or None,
        study_time=header.StudyTime or None,
        referring_physician_name=header.ReferringPhysicianName,
        patient_orientation=("L", "P"),  # replaced below: the source's orientation is not known here
        laterality=image.side or None,
        series_description="AI heat map (advisory)",
    )
    capture.PatientOrientation = []  # Type 2: the capture is oriented as its source image
    capture.ImageType = ["DERIVED", "SECONDARY", "OTHER"]
    capture.BurnedInAnnotation = "YES"
    capture.DerivationDescription = (
        f"AI heat map of model {result.model_name} {result.model_version} over the source image; "
        "advisory, not for diagnosis"
    )[:1024]
    source = Dataset()
    source.ReferencedSOPClassUID = instance.sop_class_uid
    source.ReferencedSOPInstanceUID = instance.sop_instance_uid
    if instance.frames > 1:
        source.ReferencedFrameNumber = image.slice_index + 1
    capture.SourceImageSequence = [source]
    return capture
