"""Rebuild the weekly summaries monitoring reads (models.ScoreWeek, HeaderWeek, OutcomeWeek) with
grouped SQL: the database counts scores per bin, header values and outcomes per model version, site
and week; Python only arranges the grouped rows. A week is the Monday of the study's date (of the
result's or job's own date where the study has none); a site is the campaign's.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, Floor, Greatest, Least, Round, TruncDate, TruncWeek

from inference.training.score_baseline import SCORE_BINS
from screening.imaging.models import Instance
from screening.inference_jobs.models import InferenceJob, InferenceResult, JobStatus
from screening.monitoring.card_baselines import card_baselines
from screening.monitoring.models import HeaderAttribute, HeaderWeek, OutcomeWeek, ScoreWeek
from screening.statistics.models import EpisodeKpiFacts

NOT_RECORDED = "not recorded"
SETTLED_TRUTHS = ("screen_detected", "interval_cancer", "false_positive", "true_negative")
CANCER_TRUTHS = ("screen_detected", "interval_cancer")


def _week(study_date: str, own_date: str) -> TruncWeek:
    return TruncWeek(Coalesce(study_date, TruncDate(own_date)), output_field=DateField())


def _score_rows() -> dict[tuple[str, str, date], ScoreWeek]:
    results = InferenceResult.objects.annotate(
        site=F("study__episode__campaign__site"), week=_week("study__study_date", "created_at")
    )
    scaled = Floor(F("study_score") * Value(float(SCORE_BINS)), output_field=FloatField())
    bucket = Greatest(Least(scaled, Value(SCORE_BINS - 1.0)), Value(0.0), output_field=FloatField())
    rows: dict[tuple[str, str, date], ScoreWeek] = {}

    def row(name: str, version: str, site: str | None, week: date) -> ScoreWeek:
        key = (f"{name}:{version}", site or "", week)
        if key not in rows:
            rows[key] = ScoreWeek(model_key=key[0], site=key[1], week=week, bins=[0] * SCORE_BINS)
        return rows[key]

    grouped = results.annotate(bucket=bucket).values("model_name", "model_version", "site", "week", "bucket")
    for group in grouped.annotate(n=Count("id")).order_by():
        summary = row(group["model_name"], group["model_version"], group["site"], group["week"])
        summary.bins[int(group["bucket"])] += group["n"]
        summary.results += group["n"]
    by_band = results.values("model_name", "model_version", "site", "week", "band").annotate(n=Count("id"))
    for banded in by_band.order_by():
        summary = row(banded["model_name"], banded["model_version"], banded["site"], banded["week"])
        setattr(summary, banded["band"], getattr(summary, banded["band"]) + banded["n"])
    failed = (
        InferenceJob.objects.filter(status__in=(JobStatus.FAILED, JobStatus.DEAD))
        .annotate(site=F("study__episode__campaign__site"), week=_week("study__study_date", "queued_at"))
        .values("model_name", "model_version", "site", "week")
        .annotate(n=Count("id"))
    )
    for lost in failed.order_by():
        row(lost["model_name"], lost["model_version"], lost["site"], lost["week"]).failed += lost["n"]
    return rows


def _header_values() -> dict[str, Any]:
    """Each attribute's SQL value (grouped by), formatted to a category in `_category`."""
    return {
        HeaderAttribute.MANUFACTURER: F("series__manufacturer"),
        HeaderAttribute.MODEL: F("series__manufacturer_model"),
        HeaderAttribute.SOFTWARE: F("series__software_versions"),
        HeaderAttribute.KVP: Round("kvp"),
        HeaderAttribute.EXPOSURE: ExpressionWrapper(
            Round(F("exposure_mas") / Value(10.0)) * Value(10.0), output_field=FloatField()
        ),
        HeaderAttribute.PIXEL_SPACING: KeyTextTransform("0", "pixel_spacing"),
        HeaderAttribute.IMPLANT: F("implant_present"),
    }


def _category(attribute: str, value: Any) -> str:
    if value is None or value == "":
        return NOT_RECORDED
    if attribute == HeaderAttribute.IMPLANT:
        return "yes" if value else "no"
    if attribute in (HeaderAttribute.KVP, HeaderAttribute.EXPOSURE):
        return f"{float(value):g}"
    if attribute == HeaderAttribute.PIXEL_SPACING:
        return f"{float(value):.3g}"
    return str(value)[:129]


def _header_rows() -> list[HeaderWeek]:
    instances = Instance.objects.annotate(
        site=Coalesce(F("series__study__episode__campaign__site"), Value("")),
        week=_week("series__study__study_date", "received_at"),
    )
    counts: dict[tuple[str, date, str, str], int] = defaultdict(int)
    for attribute, expression in _header_values().items():
        grouped = instances.annotate(value=expression).values("site", "week", "value").annotate(n=Count("id"))
        for group in grouped.order_by():
            counts[(group["site"], group["week"], attribute, _category(attribute, group["value"]))] += group[
                "n"
            ]
    sizes = instances.values("site", "week", "rows", "columns").annotate(n=Count("id"))
    for sized in sizes.order_by():
        size = f"{sized['rows']}x{sized['columns']}"
        counts[(sized["site"], sized["week"], HeaderAttribute.IMAGE_SIZE, size)] += sized["n"]
    return [
        HeaderWeek(site=site, week=week, attribute=attribute, value=value, images=n)
        for (site, week, attribute, value), n in counts.items()
        if week is not None
    ]


def _outcome_rows() -> list[OutcomeWeek]:
    baselines = card_baselines()
    flagged = Case(
        *(
            When(ai_model=key, ai_score__gte=baseline.high_threshold, then=Value(1))
            for key, baseline in baselines.items()
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    cancer = Q(truth__in=CANCER_TRUTHS)
    facts = (
        EpisodeKpiFacts.objects.filter(
            truth__in=SETTLED_TRUTHS, ai_score__isnull=False, imaged_on__isnull=False
        )
        .exclude(ai_model="")
        .annotate(
            site=F("campaign__site"), week=TruncWeek("imaged_on", output_field=DateField()), flag=flagged
        )
        .values("ai_model", "site", "week")
        .annotate(
            episodes=Count("episode_id"),
            flagged=Count("episode_id", filter=Q(flag=1)),
            cancers=Count("episode_id", filter=cancer),
            flagged_cancers=Count("episode_id", filter=cancer & Q(flag=1)),
        )
    )
    return [
        OutcomeWeek(
            model_key=group["ai_model"],
            site=group["site"],
            week=group["week"],
            episodes=group["episodes"],
            flagged=group["flagged"],
            cancers=group["cancers"],
            flagged_cancers=group["flagged_cancers"],
        )
        for group in facts.order_by()
    ]


def _replace(model: Any, rows: Iterable[Any]) -> int:
    model.objects.all().delete()
    created = model.objects.bulk_create(list(rows), batch_size=2000)
    return len(created)


@transaction.atomic
def summaries_rebuild() -> dict[str, int]:
    """Recount every weekly summary from the results, jobs, images and KPI facts; returns row counts."""
    return {
        "score_weeks": _replace(ScoreWeek, (r for r in _score_rows().values() if r.week is not None)),
        "header_weeks": _replace(HeaderWeek, _header_rows()),
        "outcome_weeks": _replace(OutcomeWeek, _outcome_rows()),
    }
