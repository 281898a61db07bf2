"""What each episode contributes to the KPIs, as SQL expressions the grouped queries aggregate.

Nothing here loads an episode into Python: each fact is an annotation (a column, a CASE, or a
correlated EXISTS / MIN over the episode's history) that the database groups and counts.

- screening round: "subsequent" when the participant had an episode with images in an earlier
  campaign (earlier start) of the same programme, else "first";
- age band: age in whole years at the campaign's start;
- attended: the history has a step to "attended";
- technical recall: the history has a technical recall result (it is cleared when the
  participant comes back for new images, so the episode's own result field forgets it);
- result time: the first routine or recall result in the history.
"""

from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Case,
    CharField,
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
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear, TruncDate, TruncMonth

from screening.campaigns.models import Episode, EpisodeResult, EpisodeStatus, EpisodeStatusEvent
from screening.statistics.kpi_scope import (
    AGE_BAND_EDGES,
    ROUND_FIRST,
    ROUND_SUBSEQUENT,
    KpiFilters,
    age_band_labels,
)
from screening.statistics.maths.breach_forecast import RESULT_STANDARD_DAYS

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


def with_cohort_facts(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """The episodes with their round and age band (the subgroups every KPI may be cut by)."""
    return (
        episodes.annotate(
            start_month=ExtractMonth("campaign__start_date"),
            start_day=ExtractDay("campaign__start_date"),
            birth_month=ExtractMonth("patient__date_of_birth"),
            birth_day=ExtractDay("patient__date_of_birth"),
        )
        .annotate(age=_age_at_start())
        .annotate(age_band=_age_band(), screening_round=screening_round())
    )


def cohort_filtered(episodes: Any, filters: KpiFilters) -> Any:
    """Narrow annotated episodes to a round and an age band."""
    if filters.screening_round:
        episodes = episodes.filter(screening_round=filters.screening_round)
    if filters.age_band:
        episodes = episodes.filter(age_band=filters.age_band)
    return episodes


def invitation_facts(episodes: QuerySet[Episode], filters: KpiFilters) -> QuerySet[Episode]:
    """Invited episodes, by month of invitation, each marked attended or not."""
    invited = episodes.filter(invited_at__isnull=False)
    if filters.month_from:
        invited = invited.filter(invited_at__date__gte=filters.month_from)
    if filters.month_to:
        invited = invited.filter(invited_at__date__lt=_month_after(filters.month_to))
    invited = cohort_filtered(with_cohort_facts(invited), filters)
    return invited.annotate(
        month=TruncMonth("invited_at"),
        attended=Exists(_history(Q(to_status=EpisodeStatus.ATTENDED))),
    )


def screening_facts(episodes: QuerySet[Episode], filters: KpiFilters) -> QuerySet[Episode]:
    """Imaged episodes, by month of (their latest) images, with technical recall and result time."""
    screened = episodes.filter(imaged_at__isnull=False)
    if filters.month_from:
        screened = screened.filter(imaged_at__date__gte=filters.month_from)
    if filters.month_to:
        screened = screened.filter(imaged_at__date__lt=_month_after(filters.month_to))
    screened = cohort_filtered(with_cohort_facts(screened), filters)
    first_result = (
        _history(Q(to_status=EpisodeStatus.RESULT_ISSUED, result__in=CLINICAL_RESULTS))
        .order_by()
        .values("episode_id")
        .annotate(first=Min("occurred_at"))
        .values("first")
    )
    return screened.annotate(
        month=TruncMonth("imaged_at"),
        technical_recall=Exists(_history(Q(result=EpisodeResult.TECHNICAL_RECALL))),
        result_at=Subquery(first_result),
    ).annotate(
        within_standard=Case(
            When(
                result_at__lte=F("imaged_at") + timedelta(days=RESULT_STANDARD_DAYS),
                then=Value(1),
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def backlog_facts(episodes: QuerySet[Episode], filters: KpiFilters) -> QuerySet[Episode]:
    """Imaged episodes still waiting for their result today, with the day of their images."""
    waiting = cohort_filtered(
        with_cohort_facts(episodes.filter(status__in=AWAITING_RESULT, imaged_at__isnull=False)), filters
    )
    return waiting.annotate(imaged_on=TruncDate("imaged_at"))


def results_issued_by_reads(episodes: QuerySet[Episode]) -> QuerySet[EpisodeStatusEvent]:
    """The steps that issued a routine or recall result (reads' throughput), of these episodes."""
    return EpisodeStatusEvent.objects.filter(
        episode__in=episodes.values("pk"),
        to_status=EpisodeStatus.RESULT_ISSUED,
        result__in=CLINICAL_RESULTS,
    ).exclude(from_status=EpisodeStatus.RESULT_ISSUED)


def _month_after(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)
