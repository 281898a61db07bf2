"""The AI result SR as highdicom's TID 1500 classes build it: the reference the product's own
content items (screening/outbound/sr_content.py) are compared with, item for item."""

import numpy as np
from highdicom.sr import (
    AlgorithmIdentification,
    CodedConcept,
    Comprehensive3DSR,
    DeviceObserverIdentifyingAttributes,
    FindingSite,
    GraphicTypeValues,
    ImageRegion,
    LanguageOfContentItemAndDescendants,
    Measurement,
    MeasurementReport,
    MeasurementsAndQualitativeEvaluations,
    ObservationContext,
    ObserverContext,
    PlanarROIMeasurementsAndQualitativeEvaluations,
    QualitativeEvaluation,
    SourceImageForRegion,
    TrackingIdentifier,
)
from pydicom.sr.codedict import codes

from screening.imaging.models import Study
from screening.inference_jobs.models import InferenceImageResult, InferenceResult
from screening.outbound import sr_codes
from screening.outbound.ai_result_sr import heat_peak
from screening.outbound.sr_evidence import (
    AI_RESULT_SERIES,
    MANUFACTURER,
    derived_uid,
    instance_evidence,
    local_scheme_declare,
)

ENGLISH = CodedConcept("en", "RFC5646", "English")


def highdicom_ai_result_sr(result: InferenceResult, images: list[InferenceImageResult]) -> Comprehensive3DSR:
    """The same report built with highdicom's TID 1500 classes, as the product built it before."""
    study: Study = result.study
    if not images:
        raise ValueError(f"AI result {result.pk}: a result without images is not reported.")
    modality = study.modality or images[0].instance.series.modality
    algorithm = AlgorithmIdentification(name=result.model_name, version=result.model_version)
    uid_key = ("ai-result", study.study_instance_uid, result.model_name, result.model_version, result.pk)
    groups: list[MeasurementsAndQualitativeEvaluations | PlanarROIMeasurementsAndQualitativeEvaluations] = [
        _study_group(result, algorithm, uid_key)
    ]
    anatomy = sr_codes.ANATOMY.get(modality, sr_codes.FINDING)
    for side, score in result.sides:
        groups.append(
            MeasurementsAndQualitativeEvaluations(
                tracking_identifier=TrackingIdentifier(
                    uid=derived_uid(*uid_key, "side", side), identifier=f"AI {side} breast"
                ),
                finding_type=sr_codes.FINDING,
                algorithm_id=algorithm,
                finding_sites=[FindingSite(anatomic_location=anatomy, laterality=sr_codes.LATERALITY[side])],
                measurements=[_probability(score, algorithm)],
            )
        )
    for image in images:
        peak = heat_peak(image)
        if peak is not None:
            groups.append(_image_group(image, peak, algorithm, anatomy, uid_key))
    observer = ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=DeviceObserverIdentifyingAttributes(
            uid=derived_uid("model", result.model_name, result.model_version),
            name=result.model_name,
            manufacturer_name=MANUFACTURER,
            model_name=f"{result.model_name} {result.model_version}",
        ),
    )
    report = MeasurementReport(
        observation_context=ObservationContext(observer_device_context=observer),
        procedure_reported=sr_codes.PROCEDURES.get(modality, sr_codes.FINDING),
        imaging_measurements=groups,
        language_of_content_item_and_descendants=LanguageOfContentItemAndDescendants(ENGLISH),
    )
    document = Comprehensive3DSR(
        evidence=instance_evidence(study, [image.instance for image in images]),
        content=report,
        series_instance_uid=derived_uid(*uid_key, "series"),
        series_number=AI_RESULT_SERIES,
        sop_instance_uid=derived_uid(*uid_key, "sr"),
        instance_number=1,
        manufacturer=MANUFACTURER,
        is_complete=True,
        is_final=True,
        is_verified=False,  # the AI advises; a reader verifies nothing in this document
        series_description="AI result (advisory)",
    )
    local_scheme_declare(document)
    return document


def _study_group(
    result: InferenceResult, algorithm: AlgorithmIdentification, uid_key: tuple[object, ...]
) -> MeasurementsAndQualitativeEvaluations:
    return MeasurementsAndQualitativeEvaluations(
        tracking_identifier=TrackingIdentifier(
            uid=derived_uid(*uid_key, "study"), identifier="AI study result"
        ),
        finding_type=sr_codes.FINDING,
        algorithm_id=algorithm,
        measurements=[_probability(result.study_score, algorithm)],
        qualitative_evaluations=[
            QualitativeEvaluation(name=sr_codes.TRIAGE_BAND, value=sr_codes.BANDS[result.band])
        ],
    )


def _image_group(
    image: InferenceImageResult,
    peak: tuple[float, float],
    algorithm: AlgorithmIdentification,
    anatomy: object,
    uid_key: tuple[object, ...],
) -> PlanarROIMeasurementsAndQualitativeEvaluations:
    instance = image.instance
    frames = [image.slice_index + 1] if instance.frames > 1 else None
    source = SourceImageForRegion(
        referenced_sop_class_uid=instance.sop_class_uid,
        referenced_sop_instance_uid=instance.sop_instance_uid,
        referenced_frame_numbers=frames,
    )
    label = image.view_label or f"slice {image.slice_index}"
    sites = (
        [FindingSite(anatomic_location=anatomy, laterality=sr_codes.LATERALITY[image.side])]  # type: ignore[arg-type]
        if image.side in sr_codes.LATERALITY
        else [FindingSite(anatomic_location=anatomy)]  # type: ignore[arg-type]
    )
    return PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=TrackingIdentifier(
            uid=derived_uid(*uid_key, "image", instance.sop_instance_uid, image.slice_index),
            identifier=f"AI heat peak {label}",
        ),
        referenced_region=ImageRegion(
            graphic_type=GraphicTypeValues.POINT,
            graphic_data=np.array([peak], dtype=np.float64),
            source_image=source,
        ),
        finding_type=sr_codes.HEAT_PEAK,
        algorithm_id=algorithm,
        finding_sites=sites,
        measurements=[_probability(image.score, algorithm)],
    )


def _probability(value: float, algorithm: AlgorithmIdentification) -> Measurement:
    return Measurement(
        name=sr_codes.PROBABILITY_OF_CANCER,
        value=round(float(value), 6),
        unit=sr_codes.NO_UNITS,
        algorithm_id=algorithm,
    )
