"""Which files may carry text burned into their pixels: withheld, with a reason, unless cleanable.

The guard fails closed: the flag, the SOP class, the image type and the modality each suffice on
their own to withhold a file, and a file with no pixels (reports, documents, RT objects, whose free
text this package does not clean) is withheld too.
"""

from pydicom.dataset import Dataset
from pydicom.uid import (
    MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
    MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
    MultiFrameSingleBitSecondaryCaptureImageStorage,
    MultiFrameTrueColorSecondaryCaptureImageStorage,
    SecondaryCaptureImageStorage,
)

SECONDARY_CAPTURE_CLASSES = frozenset(
    {
        SecondaryCaptureImageStorage,
        MultiFrameSingleBitSecondaryCaptureImageStorage,
        MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
        MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
        MultiFrameTrueColorSecondaryCaptureImageStorage,
    }
)
# Ultrasound, other, secondary capture, external camera, document, endoscopy, general microscopy:
# screens photographed or captured with the patient's details on them.
MODALITIES_AT_RISK = frozenset({"US", "OT", "SC", "XC", "DOC", "ES", "GM"})
SCREENSHOT_IMAGE_TYPES = frozenset({"SCREEN SAVE", "SCREENSHOT", "SCREEN CAPTURE", "CAPTURE"})
PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def burned_in_risk(dataset: Dataset, *, has_pixels: bool) -> str | None:
    """The reason this file may hold burned-in text, or None when nothing says so."""
    if not has_pixels:
        return "non-image object (report, document or RT): its free text is not cleaned"
    if str(dataset.get("BurnedInAnnotation", "")).strip().upper() == "YES":
        return "burned-in annotation"
    if str(dataset.get("SOPClassUID", "")) in SECONDARY_CAPTURE_CLASSES:
        return "secondary capture without a cleaning rule"
    image_type_value = dataset.get("ImageType") or []
    values = [image_type_value] if isinstance(image_type_value, str) else image_type_value
    image_type = {str(value).strip().upper() for value in values}
    if image_type & SCREENSHOT_IMAGE_TYPES:
        return "screenshot without a cleaning rule"
    modality = str(dataset.get("Modality", "")).strip().upper()
    if modality in MODALITIES_AT_RISK:
        return f"modality at risk of burned-in text ({modality}) without a cleaning rule"
    return None
