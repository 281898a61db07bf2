"""What each episode contributes to the KPIs, as SQL expressions over the episode and its history.

Nothing here loads an episode into Python: each fact is an annotation (a column, a CASE, or a
correlated EXISTS / MIN over the episode's history). `kpi_facts_services` stores them per episode
(`EpisodeKpiFacts`) and counts them per campaign, month, round and age band (`KpiMonthCounts`),
which the KPI queries read; these expressions are evaluated only for the episodes that changed.

- screening round: "subsequent" when the participant had an episode with images in an earlier
  campaign (earlier start) of the same programme, else "first";
- age band: age in whole years at the campaign's start;
- vendor: the maker and model (DICOM Manufacturer, ManufacturerModelName, stored on each series at
  intake) of the first series of the episode's studies that names them; "unknown" without images
  or when no series names its maker;
- attended: the history has a step to "attended";
- technical recall: the history has a technical recall result (it is cleared when the
  participant comes back for new images, so the episode's own result field forgets it);
- result time: the first routine or recall result in the history.
"""

from datetime import timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Coalesce,
    Concat,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Trim,
    TruncDate,
    TruncMonth,
)

from screening.campaigns.models import Episode, EpisodeResult, EpisodeStatus, EpisodeStatusEvent
from screening.imaging.models import Series
from screening.statistics.kpi_scope import (
    AGE_BAND_EDGES,
    ROUND_FIRST,
    ROUND_SUBSEQUENT,
    KpiFilters,
    age_band_labels,
)
from screening.statistics.maths.breach_forecast import RESULT_STANDARD_DAYS
from screening.statistics.models import UNKNOWN_VENDOR

TEXT = CharField()
CLINICAL_RESULTS = (EpisodeResult.ROUTINE, EpisodeResult.RECALL)
AWAITING_RESULT = (EpisodeStatus.IMAGED, EpisodeStatus.READ)


def _history(step: Q) -> QuerySet[EpisodeStatusEvent]:
    return EpisodeStatusEvent.objects.filter(step, episode_id=OuterRef("pk"))


def screening_round() -> Case:
    earlier = Episode.objects.filter(
        patient_id=OuterRef("patient_id"),
        campaign__programme_id=OuterRef("campaign__programme_id"),
        campaign__start_date__lt=OuterRef("campaign__start_date"),
        imaged_at__isnull=False,
    )
    return Case(
        When(Exists(earlier), then=Value(ROUND_SUBSEQUENT)),
        default=Value(ROUND_FIRST),
        output_field=CharField(),
    )


def _age_at_start() -> Case:
    """Whole years from the date of birth to the campaign's start (one less before the birthday)."""
    years = ExtractYear("campaign__start_date") - ExtractYear("patient__date_of_birth")
    birthday_later = Q(start_month__lt=F("birth_month")) | Q(
        start_month=F("birth_month"), start_day__lt=F("birth_day")
    )
    return Case(When(birthday_later, then=years - 1), default=years, output_field=IntegerField())


def _age_band() -> Case:
    labels = age_band_labels()
    whens = [
        When(age__lt=edge, then=Value(label)) for edge, label in zip(AGE_BAND_EDGES, labels, strict=False)
    ]
    return Case(*whens, default=Value(labels[-1]), output_field=CharField())


def vendor() -> Coalesce:
    """The episode's images' "Manufacturer ManufacturerModelName" (first series that names them)."""
    named = (
        Series.objects.filter(study__episode_id=OuterRef("pk"))
        .annotate(label=Trim(Concat("manufacturer", Value(" "), "manufacturer_model", output_field=TEXT)))
        .exclude(label="")
        .order_by("pk")
        .values("label")[:1]
    )
    return Coalesce(Subquery(named), Value(UNKNOWN_VENDOR), output_field=CharField())


def with_cohort_facts(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """The episodes with their round, age band and vendor (the subgroups every KPI may be cut by)."""
    return (
        episodes.annotate(
            start_month=ExtractMonth("campaign__start_date"),
            start_day=ExtractDay("campaign__start_date"),
            birth_month=ExtractMonth("patient__date_of_birth"),
            birth_day=ExtractDay("patient__date_of_birth"),
        )
        .annotate(age=_age_at_start())
        .annotate(age_band=_age_band(), screening_round=screening_round(), vendor=vendor())
    )


def cohort_filtered(episodes: Any, filters: KpiFilters) -> Any:
    """Narrow annotated episodes (or facts, or counts) to a round, an age band and a vendor."""
    if filters.screening_round:
        episodes = episodes.filter(screening_round=filters.screening_round)
    if filters.age_band:
        episodes = episodes.filter(age_band=filters.age_band)
    if filters.vendor:
        episodes = episodes.filter(vendor=filters.vendor)
    return episodes


def with_result_time(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """The episodes with the time of their first routine or recall result (`result_at`, or None)."""
    first_result = (
        _history(Q(to_status=EpisodeStatus.RESULT_ISSUED, result__in=CLINICAL_RESULTS))
        .order_by()
        .values("episode_id")
        .annotate(first=Min("occurred_at"))
        .values("first")
    )
    return episodes.annotate(result_at=Subquery(first_result))


def fact_columns() -> dict[str, Any]:
    """Each column of `EpisodeKpiFacts` as an expression over episodes annotated by
    `with_cohort_facts` and `with_result_time`, in the table's order (months and days in the
    site's time zone)."""
    within = Q(imaged_at__isnull=False, result_at__lte=F("imaged_at") + timedelta(days=RESULT_STANDARD_DAYS))
    waiting = Q(status__in=AWAITING_RESULT, imaged_at__isnull=False)
    return {
        "episode_id": F("pk"),
        "campaign_id": F("campaign_id"),
        "screening_round": F("screening_round"),
        "age_band": F("age_band"),
        "vendor": F("vendor"),
        "invited_month": TruncMonth("invited_at", output_field=DateField()),
        "attended": Exists(_history(Q(to_status=EpisodeStatus.ATTENDED))),
        "imaged_on": TruncDate("imaged_at"),
        "imaged_month": TruncMonth("imaged_at", output_field=DateField()),
        "result": F("result"),
        "technical_recall": Exists(_history(Q(result=EpisodeResult.TECHNICAL_RECALL))),
        "resulted": _flag(Q(result_at__isnull=False)),
        "within_standard": _flag(within),
        "waiting": _flag(waiting),
    }


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def results_issued_by_reads(episodes: QuerySet[Episode]) -> QuerySet[EpisodeStatusEvent]:
    """The steps that issued a routine or recall result (reads' throughput), of these episodes."""
    return EpisodeStatusEvent.objects.filter(
        episode__in=episodes.values("pk"),
        to_status=EpisodeStatus.RESULT_ISSUED,
        result__in=CLINICAL_RESULTS,
    ).exclude(from_status=EpisodeStatus.RESULT_ISSUED)
