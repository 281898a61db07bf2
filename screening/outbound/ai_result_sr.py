"""The AI's result of a study as a DICOM Comprehensive 3D SR following TID 1500.

The document names the model (the observing device and the algorithm of every group), and holds
one group for the study (probability of cancer, triage band), one per breast for mammography, and
one per image the model drew a heat map on (its score, and the heat map's peak as a point on the
source image: a SCOORD on that SOP instance, and frame). The heat maps themselves travel as
Secondary Capture images (heatmap_capture.py).

Written as pydicom content items (sr_content.py), the same items highdicom's TID 1500 classes
write: highdicom's document class deep-copies the tree and searches it for the evidence, which
cost 0.7 s a study; the tests read the document back with highdicom and check it with dciodvfy.
Every item is built for its document, none shared with another (a caller may change its document).
"""

import numpy as np
from django.utils import timezone
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import UID, ExplicitVRLittleEndian

from screening.imaging.models import Study
from screening.inference_jobs.models import InferenceImageResult, InferenceResult
from screening.outbound import sr_codes
from screening.outbound.sr_content import (
    CONTAINS,
    HAS_CONCEPT_MOD,
    HAS_OBS_CONTEXT,
    code_item,
    coded,
    container_item,
    num_item,
    point_on_image,
    template_item,
    text_item,
    uid_item,
)
from screening.outbound.sr_evidence import (
    AI_RESULT_SERIES,
    MANUFACTURER,
    derived_uid,
    local_scheme_declare,
    study_header,
)

COMPREHENSIVE_3D_SR = UID("1.2.840.10008.5.1.4.1.1.88.34")
ENGLISH = Code("en", "RFC5646", "English")
SOURCE = Code("260753009", "SCT", "Source")
# DCMR templates: the report, a study-wide group (TID 1501) and a planar ROI group (TID 1410).
MEASUREMENT_REPORT, STUDY_GROUP, PLANAR_ROI_GROUP = "1500", "1501", "1410"


def heat_peak(image: InferenceImageResult) -> tuple[float, float] | None:
    """The heat map's peak as (column, row) in the source image's pixels (centre of the cell)."""
    if not image.heatmap_rows:
        return None
    levels = np.frombuffer(bytes(image.heatmap_levels), dtype=np.uint8)
    row, column = divmod(int(levels.argmax()), image.heatmap_cols)
    instance = image.instance
    return (
        (column + 0.5) * instance.columns / image.heatmap_cols,
        (row + 0.5) * instance.rows / image.heatmap_rows,
    )


def ai_result_sr(result: InferenceResult, images: list[InferenceImageResult]) -> Dataset:
    """The TID 1500 measurement report of one AI result (images: its image rows, with instances)."""
    study: Study = result.study
    if not images:
        raise ValueError(f"AI result {result.pk}: a result without images is not reported.")
    modality = study.modality or images[0].instance.series.modality
    uid_key = ("ai-result", study.study_instance_uid, result.model_name, result.model_version, result.pk)
    algorithm = _algorithm(result)
    anatomy = sr_codes.ANATOMY.get(modality, sr_codes.FINDING)
    groups = [
        _group(
            STUDY_GROUP,
            derived_uid(*uid_key, "study"),
            "AI study result",
            sr_codes.FINDING,
            algorithm,
            [_probability(result.study_score, algorithm)],
            evaluations=[code_item(CONTAINS, sr_codes.TRIAGE_BAND, sr_codes.BANDS[result.band])],
        )
    ]
    for side, score in result.sides:
        groups.append(
            _group(
                STUDY_GROUP,
                derived_uid(*uid_key, "side", side),
                f"AI {side} breast",
                sr_codes.FINDING,
                algorithm,
                [_probability(score, algorithm)],
                sites=[_finding_site(anatomy, side)],
            )
        )
    for image in images:
        peak = heat_peak(image)
        if peak is not None:
            groups.append(_image_group(image, peak, algorithm, anatomy, uid_key))
    document = _document_shell(study, uid_key)
    document.ContentSequence = [
        code_item(HAS_CONCEPT_MOD, codes.DCM.LanguageOfContentItemAndDescendants, ENGLISH),
        *_device_observer(result.model_name, result.model_version),
        code_item(
            HAS_CONCEPT_MOD,
            codes.DCM.ProcedureReported,
            sr_codes.PROCEDURES.get(modality, sr_codes.FINDING),
        ),
        container_item(CONTAINS, codes.DCM.ImagingMeasurements, groups),
    ]
    document.CurrentRequestedProcedureEvidenceSequence = _evidence(study, images)
    return document


def _document_shell(study: Study, uid_key: tuple[object, ...]) -> Dataset:
    """The SR document's modules without its content: patient and study as the modality sent them."""
    sop_instance_uid = derived_uid(*uid_key, "sr")
    document = Dataset()
    document.file_meta = FileMetaDataset()
    document.file_meta.MediaStorageSOPClassUID = COMPREHENSIVE_3D_SR
    document.file_meta.MediaStorageSOPInstanceUID = UID(sop_instance_uid)
    document.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    document.update(study_header(study))
    now = timezone.localtime()
    document.SOPClassUID = COMPREHENSIVE_3D_SR
    document.SOPInstanceUID = sop_instance_uid
    document.InstanceCreationDate = document.ContentDate = now.strftime("%Y%m%d")
    document.InstanceCreationTime = document.ContentTime = now.strftime("%H%M%S.%f")
    document.Modality = "SR"
    document.Manufacturer = MANUFACTURER
    document.SeriesInstanceUID = derived_uid(*uid_key, "series")
    document.SeriesNumber = AI_RESULT_SERIES
    document.SeriesDescription = "AI result (advisory)"
    document.InstanceNumber = 1
    document.ReferencedPerformedProcedureStepSequence = []
    document.PerformedProcedureCodeSequence = []
    document.CompletionFlag = "COMPLETE"
    document.VerificationFlag = "UNVERIFIED"  # the AI advises; a reader verifies nothing in it
    document.PreliminaryFlag = "FINAL"
    document.ValueType = "CONTAINER"
    document.ConceptNameCodeSequence = [coded(codes.DCM.ImagingMeasurementReport)]
    document.ContinuityOfContent = "CONTINUOUS"
    document.ContentTemplateSequence = [template_item(MEASUREMENT_REPORT)]
    local_scheme_declare(document)
    return document


def _evidence(study: Study, images: list[InferenceImageResult]) -> list[Dataset]:
    """The Current Requested Procedure Evidence: every image referenced, by series (PS3.3 C.17.2)."""
    by_series: dict[str, list[Dataset]] = {}
    for image in images:
        instance = image.instance
        reference = Dataset()
        reference.ReferencedSOPClassUID = instance.sop_class_uid
        reference.ReferencedSOPInstanceUID = instance.sop_instance_uid
        references = by_series.setdefault(instance.series.series_instance_uid, [])
        if all(r.ReferencedSOPInstanceUID != instance.sop_instance_uid for r in references):
            references.append(reference)
    series_items = []
    for series_uid, references in by_series.items():
        series = Dataset()
        series.ReferencedSOPSequence = references
        series.SeriesInstanceUID = series_uid
        series_items.append(series)
    item = Dataset()
    item.ReferencedSeriesSequence = series_items
    item.StudyInstanceUID = study.study_instance_uid
    return [item]


def _device_observer(model_name: str, model_version: str) -> tuple[Dataset, ...]:
    """TID 1004: the model as the observing device."""
    return (
        code_item(HAS_OBS_CONTEXT, codes.DCM.ObserverType, codes.DCM.Device),
        uid_item(
            HAS_OBS_CONTEXT,
            codes.DCM.DeviceObserverUID,
            derived_uid("model", model_name, model_version),
        ),
        text_item(HAS_OBS_CONTEXT, codes.DCM.DeviceObserverName, model_name),
        text_item(HAS_OBS_CONTEXT, codes.DCM.DeviceObserverManufacturer, MANUFACTURER),
        text_item(
            HAS_OBS_CONTEXT,
            codes.DCM.DeviceObserverModelName,
            f"{model_name} {model_version}",
        ),
    )


def _algorithm(result: InferenceResult) -> tuple[str, str]:
    return result.model_name, result.model_version


def _algorithm_items(algorithm: tuple[str, str]) -> tuple[Dataset, ...]:
    """TID 4019: Algorithm Name and Version."""
    name, version = algorithm
    return (
        text_item(HAS_CONCEPT_MOD, codes.DCM.AlgorithmName, name),
        text_item(HAS_CONCEPT_MOD, codes.DCM.AlgorithmVersion, version),
    )


def _finding_site(anatomy: Code, side: str | None) -> Dataset:
    """The finding site and its laterality."""
    laterality = (
        [code_item(HAS_CONCEPT_MOD, codes.SCT.Laterality, sr_codes.LATERALITY[side])]
        if side in sr_codes.LATERALITY
        else []
    )
    return code_item(HAS_CONCEPT_MOD, codes.SCT.FindingSite, anatomy, laterality)


def _group(
    template: str,
    tracking_uid: str,
    tracking_label: str,
    finding: Code,
    algorithm: tuple[str, str],
    measurements: list[Dataset],
    *,
    sites: list[Dataset] = (),  # type: ignore[assignment]
    region: Dataset | None = None,
    evaluations: list[Dataset] = (),  # type: ignore[assignment]
) -> Dataset:
    """One Measurement Group (TID 1501 or 1410), its items in the order highdicom writes them."""
    children = [
        text_item(HAS_OBS_CONTEXT, codes.DCM.TrackingIdentifier, tracking_label),
        uid_item(HAS_OBS_CONTEXT, codes.DCM.TrackingUniqueIdentifier, tracking_uid),
        code_item(CONTAINS, codes.DCM.Finding, finding),
        *sites,
        *_algorithm_items(algorithm),
        *measurements,
        *evaluations,
    ]
    if region is not None:
        children.append(region)
    return container_item(CONTAINS, codes.DCM.MeasurementGroup, children, template=template)


def _image_group(
    image: InferenceImageResult,
    peak: tuple[float, float],
    algorithm: tuple[str, str],
    anatomy: Code,
    uid_key: tuple[object, ...],
) -> Dataset:
    instance = image.instance
    label = image.view_label or f"slice {image.slice_index}"
    return _group(
        PLANAR_ROI_GROUP,
        derived_uid(*uid_key, "image", instance.sop_instance_uid, image.slice_index),
        f"AI heat peak {label}",
        sr_codes.HEAT_PEAK,
        algorithm,
        [_probability(image.score, algorithm)],
        sites=[_finding_site(anatomy, image.side)],
        region=point_on_image(
            codes.DCM.ImageRegion,
            SOURCE,
            peak,
            sop_class_uid=instance.sop_class_uid,
            sop_instance_uid=instance.sop_instance_uid,
            frame=image.slice_index + 1 if instance.frames > 1 else None,
        ),
    )


def _probability(value: float, algorithm: tuple[str, str]) -> Dataset:
    return num_item(
        CONTAINS,
        sr_codes.PROBABILITY_OF_CANCER,
        round(float(value), 6),
        sr_codes.NO_UNITS,
        _algorithm_items(algorithm),
    )
