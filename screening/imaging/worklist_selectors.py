"""The modality worklist: scheduled episodes as Modality Worklist items, from one streamed query.

A scheduled item is an episode that is invited or attended, in an open campaign: the participant
(name, id and issuer, birth date, sex), its accession number (which the images bring back, so they
match their episode: `study_matching`), the programme as requested procedure and step, the
station the site schedules the programme's modality on (``DICOM_WORKLIST_STATION_AE_TITLES``),
and the day of the invitation as the step's start (the product keeps no appointment times).
Every query is audited with the calling AE title, the names of its keys and how many items were
sent: never the values asked for.
"""

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from pydicom.dataset import Dataset

from screening.campaigns.models import CampaignStatus, Episode, EpisodeStatus
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome
from screening.imaging.worklist_keys import (
    DateRange,
    WorklistQuery,
    has_wildcard,
    wildcard_matches,
    wildcard_regex,
)
from screening.imaging.worklist_responses import ResponseShape

SCHEDULED = (EpisodeStatus.INVITED, EpisodeStatus.ATTENDED)
WORKLIST = "worklist"
ROW_FIELDS = (
    "pk",
    "accession_number",
    "invited_at",
    "patient__identifier",
    "patient__issuer",
    "patient__family_name",
    "patient__given_name",
    "patient__date_of_birth",
    "patient__sex",
    "campaign__programme__modality",
    "campaign__programme__name",
)
STREAM_CHUNK = 500


def worklist_episodes(query: WorklistQuery) -> QuerySet[Episode, dict[str, Any]]:
    """One query for the scheduled episodes matching the keys, as rows of ROW_FIELDS."""
    condition = Q(status__in=SCHEDULED, campaign__status=CampaignStatus.OPEN, accession_number__isnull=False)
    if query.patient_id is not None:
        condition &= _text_q("patient__identifier", query.patient_id)
    if query.issuer is not None:
        condition &= _text_q("patient__issuer", query.issuer)
    if query.accession_number is not None:
        condition &= _text_q("accession_number", query.accession_number)
    if query.patient_name is not None:
        condition &= _name_q(query.patient_name)
    if query.birth_date is not None:
        condition &= _day_q("patient__date_of_birth", query.birth_date)
    if query.modality is not None:
        condition &= _text_q("campaign__programme__modality", query.modality)
    if query.station_ae_title is not None:
        condition &= _station_q(query.station_ae_title)
    if query.scheduled_date is not None:
        condition &= _scheduled_q(query.scheduled_date)
    return Episode.objects.filter(condition).order_by().values(*ROW_FIELDS)


def worklist_items(query: WorklistQuery, requested: Dataset) -> Iterator[Dataset]:
    """The matching items, cut to the keys `requested` asks for, streamed from the database as
    they are read (the response's shape is worked out once for the query)."""
    stations = settings.DICOM_WORKLIST_STATION_AE_TITLES
    shape = ResponseShape.of(requested)
    for row in worklist_episodes(query).iterator(chunk_size=STREAM_CHUNK):
        yield shape.response(row, stations)


def worklist_search_audit(
    *, calling_ae: str, query: WorklistQuery | None, matches: int, ended: str, refused: str = ""
) -> None:
    """One audit event per query: the calling AE, the names of its keys, the items sent, how it ended."""
    detail: dict[str, object] = {
        "calling_ae": calling_ae,
        "keys": list(query.key_names) if query else [],
        "matches": matches,
        "ended": ended,
    }
    if refused:
        detail["refused"] = refused
    audit_record(
        actor=Actor.system(f"worklist:{calling_ae}"),
        action=AuditAction.SEARCH,
        object_type=WORKLIST,
        outcome=AuditOutcome.FAILED if refused else AuditOutcome.SUCCESS,
        detail=detail,
    )


def _text_q(field: str, pattern: str, *, ignore_case: bool = False) -> Q:
    """Single value, prefix or wildcard matching of one text column (prefixes use its index)."""
    if not has_wildcard(pattern):
        return Q(**{f"{field}__iexact" if ignore_case else field: pattern})
    stem = pattern[:-1]
    if pattern.endswith("*") and not has_wildcard(stem):
        return Q(**{f"{field}__{'istartswith' if ignore_case else 'startswith'}": stem})
    return Q(**{f"{field}__{'iregex' if ignore_case else 'regex'}": wildcard_regex(pattern)})


def _name_q(pattern: str) -> Q:
    """Person name matching, component by component (family^given), ignoring case."""
    family, _, given = pattern.partition("^")
    condition = Q()
    for field, part in (("patient__family_name", family), ("patient__given_name", given.split("^")[0])):
        if part and set(part) != {"*"}:
            condition &= _text_q(field, part, ignore_case=True)
    return condition


def _day_q(field: str, days: DateRange) -> Q:
    condition = Q()
    if days.first is not None:
        condition &= Q(**{f"{field}__gte": days.first})
    if days.last is not None:
        condition &= Q(**{f"{field}__lte": days.last})
    return condition


def _scheduled_q(days: DateRange) -> Q:
    """The day of the invitation in the range, as bounds on the indexed timestamp."""
    zone = timezone.get_current_timezone()
    condition = Q()
    if days.first is not None:
        condition &= Q(invited_at__gte=datetime.combine(days.first, time.min, tzinfo=zone))
    if days.last is not None:
        condition &= Q(invited_at__lt=datetime.combine(days.last + timedelta(days=1), time.min, tzinfo=zone))
    return condition


def _station_q(pattern: str) -> Q:
    """Items of the modalities scheduled on a matching station, and of modalities on any station."""
    stations = settings.DICOM_WORKLIST_STATION_AE_TITLES
    on_station = [modality for modality, title in stations.items() if wildcard_matches(pattern, title)]
    return Q(campaign__programme__modality__in=on_station) | ~Q(
        campaign__programme__modality__in=list(stations)
    )
