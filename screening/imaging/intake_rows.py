"""The rows an intake batch stores, built from a file's metadata, and the lookup of stored instances.

``batch_ingestion`` inserts them together (``bulk_insert_new``); here is only what each row holds.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import QuerySet

from screening.core.compiled_sql import compiled_rows
from screening.imaging.dicom_metadata import InstanceMetadata
from screening.imaging.dicom_storage import instance_path
from screening.imaging.models import Instance, Series, Study

# One IN (...) query per this many SOP Instance UIDs (SQLite's bound-parameter limit is far above).
LOOKUP_CHUNK = 500


def study_row(metadata: InstanceMetadata, source: str) -> Study:
    return Study(
        study_instance_uid=metadata.study_instance_uid,
        dicom_patient_id=metadata.patient_id,
        dicom_issuer=metadata.patient_id_issuer,
        dicom_patient_name=metadata.patient_name,
        dicom_birth_date=metadata.patient_birth_date,
        dicom_sex=metadata.patient_sex,
        study_date=metadata.study_date,
        study_time=metadata.study_time,
        accession_number=metadata.accession_number,
        modality=metadata.modality,
        description=metadata.study_description,
        first_source=source,
    )


def series_row(study: Study, metadata: InstanceMetadata) -> Series:
    return Series(
        study=study,
        series_instance_uid=metadata.series_instance_uid,
        series_number=metadata.series_number,
        modality=metadata.modality,
        body_part=metadata.body_part,
        description=metadata.series_description,
        manufacturer=metadata.manufacturer,
        manufacturer_model=metadata.manufacturer_model,
        software_versions=metadata.software_versions,
    )


def instance_row(series: Series, metadata: InstanceMetadata, source: str) -> Instance:
    return Instance(
        series=series,
        sop_instance_uid=metadata.sop_instance_uid,
        sop_class_uid=metadata.sop_class_uid,
        transfer_syntax_uid=metadata.transfer_syntax_uid,
        instance_number=metadata.instance_number,
        laterality=metadata.laterality,
        view_position=metadata.view_position,
        rows=metadata.rows,
        columns=metadata.columns,
        frames=metadata.frames,
        bits_stored=metadata.bits_stored,
        photometric_interpretation=metadata.photometric_interpretation,
        pixel_spacing=metadata.pixel_spacing,
        slice_thickness=metadata.slice_thickness,
        slice_location=metadata.slice_location,
        image_position=metadata.image_position,
        image_orientation=metadata.image_orientation,
        burned_in_annotation=metadata.burned_in_annotation,
        kvp=metadata.kvp,
        exposure_mas=metadata.exposure_mas,
        implant_present=metadata.implant_present,
        file=instance_path(
            study_uid=metadata.study_instance_uid,
            series_uid=metadata.series_instance_uid,
            sop_uid=metadata.sop_instance_uid,
        ),
        size_bytes=metadata.size_bytes,
        sha256=metadata.sha256,
        source=source,
    )


def instances_existing(uids: Iterable[str], *, required: bool = False) -> dict[str, Instance]:
    """Stored instances by SOP Instance UID; with ``required``, each must be there (a conflict's winner)."""
    wanted = list(uids)
    found: dict[str, Instance] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        rows = compiled_rows("instances by UID", _instances_by_uid, {"uids": chunk})
        found.update({instance.sop_instance_uid: instance for instance in rows})
    if required and len(found) != len(wanted):
        # The row conflicted yet cannot be read: the other sender's insert was not what it seemed.
        raise RuntimeError("An instance conflicted with a row that is not stored.")
    return found


def _instances_by_uid(values: Mapping[str, Any]) -> QuerySet[Instance]:
    by_uid = Instance.objects.filter(sop_instance_uid__in=values["uids"])
    return by_uid.select_related("series__study").order_by()
