"""QIDO-RS: search studies, series and instances in the user's scope, answered in the DICOM JSON model.

Matching keys may be given by keyword (``PatientID``) or tag (``00100020``). UIDs match a list
(comma or backslash separated); text keys match exactly or with ``*``/``?`` wildcards; PatientName
matches any component group of a name, ignoring case (see ``person_names``); StudyDate matches a
date or a range (``20240101-``, ``-20240131``, ``20240101-20240131``). Other keys are ignored, as
PS3.18 allows. Searches are audited without their terms (they can identify a person).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from pydicom.dataset import Dataset

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.imaging.dicomweb.person_names import person_name_element, person_name_match
from screening.imaging.models import Instance, Series, Study

STUDY, SERIES, INSTANCE = "study", "series", "instance"
PATIENT_NAME_TAG = "00100010"
MAX_LIMIT = 1000
# Past this many matches a client should narrow its search; a larger offset would overflow the database.
MAX_OFFSET = 1_000_000
DEFAULT_LIMIT = 200
# Keys the client may send that are not matching keys.
_CONTROL_KEYS = {"limit", "offset", "includefield", "fuzzymatching"}
_TAG_KEYWORDS = {
    "0020000D": "StudyInstanceUID",
    "00100020": "PatientID",
    "00100010": "PatientName",
    "00080020": "StudyDate",
    "00080061": "ModalitiesInStudy",
    "00080050": "AccessionNumber",
    "0020000E": "SeriesInstanceUID",
    "00080060": "Modality",
    "00080018": "SOPInstanceUID",
    "00080016": "SOPClassUID",
}


class QueryError(ValueError):
    """A matching key's value cannot be understood (answered 400)."""


@dataclass(frozen=True)
class Query:
    """The matching keys of a search, by keyword, with paging."""

    keys: dict[str, str]
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    limit_reduced: bool = False

    @property
    def warning(self) -> str:
        """The Warning header PS3.18 asks for when the limit was reduced; blank otherwise."""
        if not self.limit_reduced:
            return ""
        return f'299 screening "The limit was reduced to {self.limit}, the most one answer holds."'


def query_parse(params: Mapping[str, str]) -> Query:
    """Matching keys (by keyword) and paging from the query string."""
    keys: dict[str, str] = {}
    for name, value in params.items():
        if name.lower() in _CONTROL_KEYS:
            continue
        keyword = _TAG_KEYWORDS.get(name.upper(), name)
        if keyword in _TAG_KEYWORDS.values() and value != "":
            keys[keyword] = value
    limit = _bounded(params, "limit", DEFAULT_LIMIT)
    return Query(
        keys=keys,
        limit=min(limit, MAX_LIMIT),
        offset=_bounded(params, "offset", 0, refuse_above=MAX_OFFSET),
        limit_reduced=limit > MAX_LIMIT,
    )


def studies_search(*, actor: Actor, query: Query, study_uid: str | None = None) -> list[dict[str, Any]]:
    """Studies in scope matching the query, as DICOM JSON."""
    studies: QuerySet[Study] = Study.objects.visible_to(actor.user).prefetch_related("series")
    studies = _filter_studies(
        studies, query.keys if study_uid is None else {**query.keys, "StudyInstanceUID": study_uid}
    )
    studies = studies.annotate(
        series_count=Count("series", distinct=True), instance_count=Count("series__instances")
    ).order_by("-study_date", "id")[query.offset : query.offset + query.limit]
    results = [study_json(study) for study in studies]
    _audit_search(actor, STUDY, query, len(results))
    return results


def series_search(*, actor: Actor, query: Query, study_uid: str | None = None) -> list[dict[str, Any]]:
    """Series of studies in scope matching the query, as DICOM JSON."""
    studies = _filter_studies(Study.objects.visible_to(actor.user), _study_keys(query, study_uid))
    series = Series.objects.filter(study__in=studies).select_related("study")
    series = _filter_series(series, query.keys).annotate(instance_count=Count("instances"))
    page = series.order_by("study_id", "series_number", "id")[query.offset : query.offset + query.limit]
    results = [series_json(item) for item in page]
    _audit_search(actor, SERIES, query, len(results))
    return results


def instances_search(
    *, actor: Actor, query: Query, study_uid: str | None = None, series_uid: str | None = None
) -> list[dict[str, Any]]:
    """Instances of studies in scope matching the query, as DICOM JSON."""
    studies = _filter_studies(Study.objects.visible_to(actor.user), _study_keys(query, study_uid))
    keys = query.keys if series_uid is None else {**query.keys, "SeriesInstanceUID": series_uid}
    series = _filter_series(Series.objects.filter(study__in=studies), keys)
    instances = Instance.objects.filter(series__in=series).select_related("series__study")
    if "SOPInstanceUID" in keys:
        instances = instances.filter(sop_instance_uid__in=_uid_list(keys["SOPInstanceUID"]))
    if "SOPClassUID" in keys:
        instances = instances.filter(sop_class_uid__in=_uid_list(keys["SOPClassUID"]))
    page = instances.order_by("series_id", "instance_number", "id")[query.offset : query.offset + query.limit]
    results = [instance_json(instance) for instance in page]
    _audit_search(actor, INSTANCE, query, len(results))
    return results


def study_json(study: Study) -> dict[str, Any]:
    dataset = _study_attributes(study)
    modalities = sorted({s.modality for s in study.series.all() if s.modality} or {study.modality} - {""})
    dataset.ModalitiesInStudy = modalities
    dataset.NumberOfStudyRelatedSeries = getattr(study, "series_count", 0)
    dataset.NumberOfStudyRelatedInstances = getattr(study, "instance_count", 0)
    return _with_patient_name(dataset, study)


def series_json(series: Series) -> dict[str, Any]:
    dataset = _study_attributes(series.study)
    dataset.SeriesInstanceUID = series.series_instance_uid
    dataset.Modality = series.modality
    dataset.SeriesNumber = series.series_number
    dataset.SeriesDescription = series.description
    dataset.BodyPartExamined = series.body_part
    dataset.NumberOfSeriesRelatedInstances = getattr(series, "instance_count", 0)
    return _with_patient_name(dataset, series.study)


def instance_json(instance: Instance) -> dict[str, Any]:
    series = instance.series
    dataset = _study_attributes(series.study)
    dataset.SeriesInstanceUID = series.series_instance_uid
    dataset.Modality = series.modality
    dataset.SeriesNumber = series.series_number
    dataset.SOPClassUID = instance.sop_class_uid
    dataset.SOPInstanceUID = instance.sop_instance_uid
    dataset.InstanceNumber = instance.instance_number
    dataset.Rows = instance.rows
    dataset.Columns = instance.columns
    dataset.NumberOfFrames = instance.frames
    dataset.AvailableTransferSyntaxUID = instance.transfer_syntax_uid
    return _with_patient_name(dataset, series.study)


def _with_patient_name(dataset: Dataset, study: Study) -> dict[str, Any]:
    """The dataset as DICOM JSON with the stored name as a PN object, built here so no value can fail."""
    answer = dataset.to_json_dict()
    answer[PATIENT_NAME_TAG] = person_name_element(study.dicom_patient_name)
    return dict(sorted(answer.items()))


def _study_attributes(study: Study) -> Dataset:
    dataset = Dataset()
    dataset.StudyInstanceUID = study.study_instance_uid
    dataset.StudyDate = study.study_date.strftime("%Y%m%d") if study.study_date else ""
    dataset.StudyTime = study.study_time
    dataset.AccessionNumber = study.accession_number
    dataset.StudyDescription = study.description
    dataset.PatientID = study.dicom_patient_id
    dataset.IssuerOfPatientID = study.dicom_issuer
    dataset.PatientBirthDate = study.dicom_birth_date.strftime("%Y%m%d") if study.dicom_birth_date else ""
    dataset.PatientSex = study.dicom_sex
    return dataset


def _filter_studies(studies: QuerySet[Study], keys: Mapping[str, str]) -> QuerySet[Study]:
    if "StudyInstanceUID" in keys:
        studies = studies.filter(study_instance_uid__in=_uid_list(keys["StudyInstanceUID"]))
    if "PatientID" in keys:
        studies = studies.filter(_text_match("dicom_patient_id", keys["PatientID"]))
    if "PatientName" in keys:
        studies = studies.filter(person_name_match("dicom_patient_name", keys["PatientName"]))
    if "AccessionNumber" in keys:
        studies = studies.filter(_text_match("accession_number", keys["AccessionNumber"]))
    if "StudyDate" in keys:
        studies = studies.filter(_date_match("study_date", keys["StudyDate"]))
    if "ModalitiesInStudy" in keys:
        modalities = _value_list(keys["ModalitiesInStudy"])
        with_series = Series.objects.filter(modality__in=modalities).values("study_id")
        studies = studies.filter(Q(modality__in=modalities) | Q(pk__in=with_series))
    return studies


def _filter_series(series: QuerySet[Series], keys: Mapping[str, str]) -> QuerySet[Series]:
    if "SeriesInstanceUID" in keys:
        series = series.filter(series_instance_uid__in=_uid_list(keys["SeriesInstanceUID"]))
    if "Modality" in keys:
        series = series.filter(modality__in=_value_list(keys["Modality"]))
    return series


def _study_keys(query: Query, study_uid: str | None) -> dict[str, str]:
    return query.keys if study_uid is None else {**query.keys, "StudyInstanceUID": study_uid}


def _text_match(field: str, value: str) -> Q:
    """Exact match, or DICOM wildcard matching (* any run, ? one character)."""
    if "*" not in value and "?" not in value:
        return Q(**{field: value})
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
    return Q(**{f"{field}__regex": f"^{pattern}$"})


def _date_match(field: str, value: str) -> Q:
    low, dash, high = value.partition("-")
    if not dash:
        return Q(**{field: _dicom_date(low)})
    condition = Q()
    if low:
        condition &= Q(**{f"{field}__gte": _dicom_date(low)})
    if high:
        condition &= Q(**{f"{field}__lte": _dicom_date(high)})
    if not low and not high:
        raise QueryError("A date range needs at least one end.")
    return condition


def _dicom_date(value: str) -> date:
    try:
        return datetime.strptime(value.strip(), "%Y%m%d").date()
    except ValueError as error:
        raise QueryError(f"{value!r} is not a DICOM date (YYYYMMDD).") from error


def _uid_list(value: str) -> list[str]:
    return _value_list(value)


def _value_list(value: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,\\]", value) if item.strip()]


def _bounded(params: Mapping[str, str], name: str, default: int, refuse_above: int | None = None) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        number = int(str(raw))
    except ValueError as error:
        raise QueryError(f"{name} must be a whole number.") from error
    if number < 0:
        raise QueryError(f"{name} cannot be negative.")
    if refuse_above is not None and number > refuse_above:
        raise QueryError(f"{name} must be at most {refuse_above}; narrow the search instead.")
    return number


def _audit_search(actor: Actor, level: str, query: Query, count: int) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.SEARCH,
        object_type=level,
        detail={"dicomweb": True, "keys": sorted(query.keys), "results": count},
    )
