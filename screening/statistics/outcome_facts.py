"""What each episode's outcome contributes to the outcome KPIs and the accuracy figures, as SQL
expressions beside `episode_facts` (stored in `EpisodeKpiFacts`, refreshed when outcomes change).

The rules are `outcomes.episode_truth`'s, in SQL. What time does to a truth is kept as dates, not
as flags that go stale: a routine result without a cancer in its window is stored as
``true_negative`` with the day its window ends, and is read as unknown until that day has passed
(`truth_now`); likewise each interval band's end day (`band_*_ends_on`). Everything else about the
truth changes only with the outcome records, which announce it (``outcomes_changed``).
"""

from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from screening.campaigns.models import EpisodeResult
from screening.outcomes.episode_truth import AVERAGE_MONTH_DAYS, Truth
from screening.outcomes.models import (
    CANCER_KINDS,
    Assessment,
    AssessmentOutcome,
    Diagnosis,
    Pathology,
    PathologyKind,
)
from screening.outcomes.outcome_selectors import current

INTERVAL_BANDS = ((0, 12), (12, 24), (24, 36))
# The truth stored for a routine result with no cancer in its window: true negative once it ends.
ROUTINE_CLEAR = Truth.TRUE_NEGATIVE


class AddMonths(Func):
    """The same day `months` later (the month's last day when it has fewer): `episode_truth.add_months`."""

    output_field = DateField()

    def as_postgresql(self, compiler: Any, connection: Any, **_: Any) -> Any:
        day, day_params = compiler.compile(self.source_expressions[0])
        months, months_params = compiler.compile(self.source_expressions[1])
        return f"CAST(({day}) + make_interval(months => CAST(({months}) AS integer)) AS date)", [
            *day_params,
            *months_params,
        ]

    def as_sqlite(self, compiler: Any, connection: Any, **_: Any) -> Any:
        day, day_params = compiler.compile(self.source_expressions[0])
        months, months_params = compiler.compile(self.source_expressions[1])
        same_day = (
            f"date(({day}), 'start of month', '+' || ({months}) || ' months', "
            f"'+' || (CAST(substr(({day}), 9, 2) AS INTEGER) - 1) || ' days')"
        )
        last_day = f"date(({day}), 'start of month', '+' || (({months}) + 1) || ' months', '-1 day')"
        return f"MIN({same_day}, {last_day})", [
            *day_params,
            *months_params,
            *day_params,
            *day_params,
            *months_params,
        ]


class MonthsBetween(Func):
    """Average months from the first date to the second, to one decimal: `episode_truth.months_between`."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **_: Any) -> Any:
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        months = f"CAST((({end}) - ({start})) AS numeric) / {AVERAGE_MONTH_DAYS}"
        sql = f"CAST(ROUND({months}, 1) AS double precision)"
        return sql, [*end_params, *start_params]

    def as_sqlite(self, compiler: Any, connection: Any, **_: Any) -> Any:
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        days = f"CAST(julianday(({end})) - julianday(({start})) AS INTEGER)"
        return f"ROUND({days} / {AVERAGE_MONTH_DAYS}, 1)", [*end_params, *start_params]


def _current(model: Any, condition: Q | None = None) -> Any:
    return current(model.objects.filter(condition or Q(), episode_id=OuterRef("pk")))


def with_outcome_facts(episodes: Any) -> Any:
    """The episodes with what their truth is decided from: imaging day, window end, current
    assessment, pathology and the first linked cancer inside the window."""
    interval = F("campaign__programme__interval_months")
    latest_assessment = _current(Assessment).order_by("-recorded_at", "-id").values("outcome")[:1]
    first_cancer = (
        _current(
            Diagnosis,
            Q(kind__in=CANCER_KINDS, diagnosed_on__gte=OuterRef("o_imaged_on"))
            & Q(diagnosed_on__lte=OuterRef("o_window_ends_on")),
        )
        .order_by()
        .values("episode_id")
        .annotate(first=Min("diagnosed_on"))
        .values("first")
    )
    return (
        episodes.annotate(o_imaged_on=TruncDate("imaged_at"))
        .annotate(o_window_ends_on=AddMonths(F("o_imaged_on"), interval))
        .annotate(
            o_assessment=Subquery(latest_assessment, output_field=CharField()),
            o_pathology_cancer=Exists(_current(Pathology, Q(kind__in=CANCER_KINDS))),
            o_pathology_any=Exists(_current(Pathology)),
            o_first_cancer_on=Subquery(first_cancer, output_field=DateField()),
        )
        .annotate(o_months=MonthsBetween(F("o_imaged_on"), F("o_first_cancer_on")))
    )


def _band_end(low: int, high: int) -> Case:
    """The day follow-up covers the band (its end, capped by the interval); none past the interval."""
    interval = F("campaign__programme__interval_months")
    capped = Case(
        When(Q(**{"campaign__programme__interval_months__lt": high}), then=interval), default=Value(high)
    )
    return Case(
        When(Q(campaign__programme__interval_months__gt=low), then=AddMonths(F("o_imaged_on"), capped)),
        default=None,
        output_field=DateField(),
    )


def _interval_band(routine: Q) -> Case:
    """The interval band (0, 1, 2: `INTERVAL_BANDS`) of a routine result's first cancer in its
    window; the interval's last band includes its end, the others stop before theirs."""
    interval = F("campaign__programme__interval_months")
    whens = []
    for number, (low, high) in enumerate(INTERVAL_BANDS):
        last = Q(campaign__programme__interval_months__lte=high, o_months__lte=interval)
        earlier = Q(campaign__programme__interval_months__gt=high, o_months__lt=high)
        inside = Q(campaign__programme__interval_months__gt=low, o_months__gte=low) & (last | earlier)
        whens.append(When(routine & Q(o_first_cancer_on__isnull=False) & inside, then=Value(number)))
    return Case(*whens, default=None, output_field=IntegerField())


def _has(model: Any, kind: str) -> Exists:
    return Exists(_current(model, Q(kind=kind)))


def outcome_fact_columns() -> dict[str, Any]:
    """The outcome columns of `EpisodeKpiFacts`, over episodes annotated by `with_outcome_facts`."""
    clinical = Q(result__in=(EpisodeResult.ROUTINE, EpisodeResult.RECALL), result_under_review=False) & Q(
        imaged_at__isnull=False
    )
    recall = clinical & Q(result=EpisodeResult.RECALL)
    proven = (
        Q(o_assessment=AssessmentOutcome.MALIGNANT)
        | Q(o_pathology_cancer=True)
        | Q(o_first_cancer_on__isnull=False)
    )
    benign = Q(o_assessment=AssessmentOutcome.NORMAL_BENIGN) | Q(
        o_assessment=AssessmentOutcome.BIOPSY_TAKEN, o_pathology_any=True, o_pathology_cancer=False
    )
    truth = Case(
        When(recall & proven, then=Value(Truth.SCREEN_DETECTED.value)),
        When(recall & benign, then=Value(Truth.FALSE_POSITIVE.value)),
        When(recall, then=Value(Truth.UNKNOWN.value)),
        When(clinical & Q(o_first_cancer_on__isnull=False), then=Value(Truth.INTERVAL_CANCER.value)),
        When(clinical, then=Value(ROUTINE_CLEAR.value)),
        default=Value(""),
        output_field=CharField(),
    )
    kind = Case(
        When(
            _has(Pathology, PathologyKind.INVASIVE) | _has(Diagnosis, PathologyKind.INVASIVE),
            then=Value("invasive"),
        ),
        When(_has(Pathology, PathologyKind.DCIS) | _has(Diagnosis, PathologyKind.DCIS), then=Value("dcis")),
        default=Value(""),
        output_field=CharField(),
    )
    biopsied = Exists(_current(Assessment, Q(outcome=AssessmentOutcome.BIOPSY_TAKEN))) | Q(
        o_pathology_any=True
    )
    return {
        "truth": truth,
        "window_ends_on": Case(
            When(clinical, then=F("o_window_ends_on")), default=None, output_field=DateField()
        ),
        "months_to_cancer": F("o_months"),
        "interval_band": _interval_band(clinical & ~Q(result=EpisodeResult.RECALL)),
        "cancer_kind": kind,
        "biopsied": Case(When(biopsied, then=Value(True)), default=Value(False), output_field=BooleanField()),
        **{f"band_{low}_{high}_ends_on": _band_end(low, high) for low, high in INTERVAL_BANDS},
    }


def truth_now(today: Any) -> Case:
    """The stored truth as known on `today`: a routine result's true negative only once its window ended."""
    return Case(
        When(Q(truth=ROUTINE_CLEAR.value, window_ends_on__gt=today), then=Value(Truth.UNKNOWN.value)),
        default=F("truth"),
        output_field=CharField(),
    )
