"""The figures of score and input drift, week by week, from the weekly summaries and the card's
baseline (maths in screening/statistics/maths/drift.py); each figure that crosses its limit on
enough observations is a `Finding` that alert_services turns into an alert."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.conf import settings

from screening.monitoring.card_baselines import CardBaseline
from screening.monitoring.models import AlertKind, HeaderWeek, ScoreWeek
from screening.statistics.maths.drift import (
    PSI_MAJOR,
    bins_grouped,
    chi_square_two_samples,
    counts_grouped,
    ks_p_value,
    ks_statistic_binned,
    population_stability_index,
    psi_level,
)

PSI_GROUPS = 10
# Earlier weeks a site's header mix is compared with (a changed mix), and the p-value it must pass.
MIX_REFERENCE_WEEKS = 8
MIX_P_VALUE = 0.001
# A value first seen is an event once the site's earlier weeks hold MONITORING_MIN_RESULTS images (a
# rare value may simply not have come up before) and it makes up this share of the week's images.
NEW_VALUE_SHARE = 0.05


@dataclass(frozen=True)
class Finding:
    """A figure past its limit in one week: what an alert is raised for (or kept open by)."""

    kind: str
    model_key: str
    site: str
    subject: str
    week: date
    value: float
    limit: float
    sample_size: int
    detail: str


@dataclass(frozen=True)
class ScoreDriftWeek:
    """One week's score drift against the card: PSI and its level, KS with its p-value, bands, failures."""

    week: date
    results: int
    psi: float | None
    level: str
    ks: float | None
    ks_p: float | None
    high_share: float | None
    intermediate_share: float | None
    low_share: float | None
    failed: int
    failed_share: float | None
    enough: bool


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def score_drift_weeks(weeks: Iterable[ScoreWeek], baseline: CardBaseline | None) -> list[ScoreDriftWeek]:
    """Each week of one model version at one site, in order."""
    minimum = settings.MONITORING_MIN_RESULTS
    groups = bins_grouped(baseline.counts, PSI_GROUPS) if baseline and baseline.has_scores else None
    figures = []
    for week in sorted(weeks, key=lambda w: w.week):
        psi = ks = ks_p = None
        if groups is not None and baseline is not None and week.results:
            expected = counts_grouped(baseline.counts, groups)
            psi = population_stability_index(expected, counts_grouped(week.bins, groups))
            ks = ks_statistic_binned(baseline.counts, week.bins)
            ks_p = ks_p_value(ks, sum(baseline.counts), week.results)
        jobs = week.results + week.failed
        figures.append(
            ScoreDriftWeek(
                week=week.week,
                results=week.results,
                psi=psi,
                level=psi_level(psi) if psi is not None else "",
                ks=ks,
                ks_p=ks_p,
                high_share=_share(week.high, week.results),
                intermediate_share=_share(week.intermediate, week.results),
                low_share=_share(week.low, week.results),
                failed=week.failed,
                failed_share=_share(week.failed, jobs),
                enough=week.results >= minimum,
            )
        )
    return figures


def score_findings(model_key: str, site: str, figures: list[ScoreDriftWeek]) -> list[Finding]:
    """Weeks with a major PSI, or too many failed studies, on enough results."""
    findings = []
    failed_limit = settings.MONITORING_MAX_FAILED_SHARE
    for figure in figures:
        if figure.enough and figure.psi is not None and figure.psi > PSI_MAJOR:
            detail = f"PSI {figure.psi:.3f} (major); KS {figure.ks:.3f}, p {figure.ks_p:.2g}"
            findings.append(
                Finding(
                    AlertKind.SCORE_DRIFT,
                    model_key,
                    site,
                    "",
                    figure.week,
                    figure.psi,
                    PSI_MAJOR,
                    figure.results,
                    detail,
                )
            )
        jobs = figure.results + figure.failed
        if jobs >= settings.MONITORING_MIN_RESULTS and (figure.failed_share or 0) > failed_limit:
            detail = f"{figure.failed} of {jobs} studies failed or unreadable"
            findings.append(
                Finding(
                    AlertKind.FAILED_SHARE,
                    model_key,
                    site,
                    "",
                    figure.week,
                    figure.failed_share or 0.0,
                    failed_limit,
                    jobs,
                    detail,
                )
            )
    return findings


@dataclass(frozen=True)
class HeaderMixWeek:
    """One attribute's values at one site in one week, and how the mix compares with earlier weeks."""

    week: date
    images: int
    counts: dict[str, int]
    new_values: tuple[str, ...]
    psi: float | None
    p_value: float | None


def header_mix_weeks(rows: Iterable[HeaderWeek]) -> list[HeaderMixWeek]:
    """Weeks of one attribute at one site in order: new values, and PSI / chi-square against the
    previous MIX_REFERENCE_WEEKS weeks."""
    by_week: dict[date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_week[row.week][row.value] = row.images
    weeks = sorted(by_week)
    figures, seen, history = [], set[str](), 0
    for index, week in enumerate(weeks):
        counts = by_week[week]
        reference: dict[str, int] = defaultdict(int)
        for earlier in weeks[max(0, index - MIX_REFERENCE_WEEKS) : index]:
            for value, n in by_week[earlier].items():
                reference[value] += n
        images = sum(counts.values())
        new = tuple(
            value
            for value in sorted(set(counts) - seen)
            if history >= settings.MONITORING_MIN_RESULTS and counts[value] >= NEW_VALUE_SHARE * images
        )
        psi = p_value = None
        if reference:
            values = sorted(set(reference) | set(counts))
            expected = np.array([reference.get(v, 0) for v in values])
            actual = np.array([counts.get(v, 0) for v in values])
            psi = population_stability_index(expected, actual)
            p_value = chi_square_two_samples(expected, actual)[2]
        figures.append(HeaderMixWeek(week, images, dict(counts), new, psi, p_value))
        seen |= set(counts)
        history += images
    return figures


def header_findings(site: str, attribute: str, figures: list[HeaderMixWeek]) -> list[Finding]:
    """A new value (an event, whatever the count), or a major change of mix on enough images."""
    findings = []
    for figure in figures:
        for value in figure.new_values:
            share = figure.counts[value] / figure.images
            detail = f"{attribute} {value!r} first seen: {figure.counts[value]} of {figure.images} images"
            findings.append(
                Finding(
                    AlertKind.INPUT_NEW_VALUE,
                    "",
                    site,
                    f"{attribute}={value}"[:160],
                    figure.week,
                    share,
                    0.0,
                    figure.images,
                    detail,
                )
            )
        if (
            figure.psi is not None
            and figure.p_value is not None
            and figure.images >= settings.MONITORING_MIN_RESULTS
            and figure.psi > PSI_MAJOR
            and figure.p_value < MIX_P_VALUE
        ):
            detail = f"{attribute} mix PSI {figure.psi:.3f}, chi-square p {figure.p_value:.2g}"
            findings.append(
                Finding(
                    AlertKind.INPUT_MIX,
                    "",
                    site,
                    attribute,
                    figure.week,
                    figure.psi,
                    PSI_MAJOR,
                    figure.images,
                    detail,
                )
            )
    return findings
