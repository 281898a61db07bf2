"""Outcomes for the synthetic cohort, consistent with its ground truth, through the outcome services.

For each synthetic study whose episode has an issued result (routine or recall, not under review):

- recalled with a malignant lesion: assessment "malignant" and the lesion's pathology, a cancer of
  its size (breast: a calcification cluster is DCIS graded by its contrast, a mass an invasive
  cancer of its diameter graded by its size band; lung: an invasive, malignant nodule staged by
  its diameter);
- recalled with a benign lesion: a biopsy (breast) or a follow-up scan (lung) proving it benign;
- recalled without a lesion: assessment "normal or benign";
- a malignant lesion that the result missed (routine), or a cancer not visible at screening
  (ground truth `interval_cancer` without a lesion): a diagnosis from the synthetic registry some
  months after the screen, within the programme's interval. It is recorded once its date has
  come: a run before that date leaves it to a later run (counted as not yet due).

Every draw comes from the seed and the study's UID, so the outcomes do not depend on the order or
on which other episodes have results yet. Running it again records nothing new (idempotent).
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from screening.campaigns.models import EpisodeResult, EpisodeStatus
from screening.core.actors import Actor
from screening.demo.models import SyntheticOutcome, SyntheticStudyTruth
from screening.outcomes import outcome_services
from screening.outcomes.episode_truth import add_months
from screening.outcomes.models import (
    Assessment,
    AssessmentOutcome,
    Diagnosis,
    LungFollowUp,
    NodalStatus,
    NoduleOutcome,
    Pathology,
    PathologyKind,
    RecordedVia,
)

SYNTHETIC_REGISTRY = "Synthetic cancer registry"
ASSESSMENT_SITE = "Synthetic assessment clinic"
CALCIFICATION_CLUSTER = "calcification_cluster"
FIRST_INTERVAL_MONTH = 3  # the earliest an interval cancer surfaces after the screen
GRADE_BY_SIZE_BAND = {"small": 1, "medium": 2, "large": 3}
GRADE_BY_CONTRAST_BAND = {"subtle": 1, "moderate": 2, "obvious": 3}
# TNM 8th edition T1a-c and T2a by the largest diameter, in mm (stage IA1-IB without nodes).
LUNG_STAGES = ((10.0, "IA1"), (20.0, "IA2"), (30.0, "IA3"))


@dataclass
class OutcomeSimulationSummary:
    episodes: int = 0  # synthetic episodes with an issued result
    assessments: int = 0
    pathology: int = 0
    registry_diagnoses: int = 0  # cancers diagnosed later, from the synthetic registry
    not_yet_due: int = 0  # cancers whose diagnosis date is still ahead
    already_recorded: int = 0  # episodes a previous run (or a person) already recorded


def outcomes_simulate(*, actor: Actor, seed: int, today: date | None = None) -> OutcomeSimulationSummary:
    """Record the outcomes the ground truth implies for every synthetic episode with a result."""
    today = today or timezone.localdate()
    summary = OutcomeSimulationSummary()
    truths = (
        SyntheticStudyTruth.objects.filter(
            episode__status=EpisodeStatus.RESULT_ISSUED,
            episode__result__in=[EpisodeResult.ROUTINE, EpisodeResult.RECALL],
            episode__result_under_review=False,
            episode__imaged_at__isnull=False,
        )
        .select_related("episode__campaign__programme", "patient")
        .order_by("id")
    )
    for truth in truths:
        summary.episodes += 1
        rng = random.Random(f"{seed}:{truth.study_instance_uid}")
        if truth.episode is not None and truth.episode.result == EpisodeResult.RECALL:
            _recalled(actor, truth, rng, today, summary)
        _surfacing_cancer(actor, truth, rng, today, summary)
    return summary


def malignant_lesion(truth: SyntheticStudyTruth) -> dict[str, Any] | None:
    """The study's malignant lesion, if it has one."""
    return next((lesion for lesion in truth.lesions if lesion.get("malignant")), None)


def _recalled(
    actor: Actor,
    truth: SyntheticStudyTruth,
    rng: random.Random,
    today: date,
    summary: OutcomeSimulationSummary,
) -> None:
    episode = truth.episode
    assert episode is not None
    if (
        Assessment.objects.filter(episode=episode).exists()
        or Pathology.objects.filter(episode=episode).exists()
    ):
        summary.already_recorded += 1
        return
    result_day = timezone.localdate(episode.status_changed_at)
    attended_on = min(result_day + timedelta(days=rng.randint(7, 28)), today)
    lesion = truth.lesions[0] if truth.lesions else None
    with transaction.atomic():
        outcome = _assessment_outcome(lesion, per_side=episode.campaign.programme.results_per_side)
        outcome_services.assessment_record(
            actor=actor, episode=episode, outcome=outcome, attended_on=attended_on, site=ASSESSMENT_SITE
        )
        summary.assessments += 1
        if lesion is not None:
            outcome_services.pathology_record(
                actor=actor,
                episode=episode,
                diagnosed_on=attended_on,
                **_pathology_fields(lesion, per_side=episode.campaign.programme.results_per_side),
            )
            summary.pathology += 1


def _assessment_outcome(lesion: dict[str, Any] | None, *, per_side: bool) -> str:
    if lesion is None:
        return AssessmentOutcome.NORMAL_BENIGN
    if lesion["malignant"]:
        return AssessmentOutcome.MALIGNANT
    # A benign breast lesion is biopsied; a benign nodule is followed up by scans, not sampled.
    return AssessmentOutcome.BIOPSY_TAKEN if per_side else AssessmentOutcome.NORMAL_BENIGN


def _pathology_fields(lesion: dict[str, Any], *, per_side: bool) -> dict[str, Any]:
    """The pathology the lesion's ground truth implies (module docstring)."""
    diameter = round(float(lesion["diameter_mm"]), 1)
    if not per_side:
        if not lesion["malignant"]:
            return {
                "kind": PathologyKind.BENIGN,
                "nodule_outcome": NoduleOutcome.STABLE,
                "lung_rads_follow_up": LungFollowUp.LDCT_3_MONTHS,
            }
        return {
            "kind": PathologyKind.INVASIVE,
            "invasive_size_mm": diameter,
            "nodule_outcome": NoduleOutcome.MALIGNANT,
            "lung_rads_follow_up": LungFollowUp.TISSUE_SAMPLING,
            "stage": lung_stage(diameter),
        }
    side = lesion["laterality"]
    if not lesion["malignant"]:
        return {"kind": PathologyKind.BENIGN, "side": side}
    if lesion["kind"] == CALCIFICATION_CLUSTER:
        grade = GRADE_BY_CONTRAST_BAND[lesion["contrast_band"]]
        return {"kind": PathologyKind.DCIS, "side": side, "grade": grade}
    large = lesion["size_band"] == "large"
    return {
        "kind": PathologyKind.INVASIVE,
        "side": side,
        "invasive_size_mm": diameter,
        "grade": GRADE_BY_SIZE_BAND[lesion["size_band"]],
        "nodal_status": NodalStatus.POSITIVE if large else NodalStatus.NEGATIVE,
    }


def lung_stage(diameter_mm: float) -> str:
    """The stage of a node-negative lung cancer by its diameter (TNM 8th edition)."""
    return next((stage for limit, stage in LUNG_STAGES if diameter_mm <= limit), "IB")


def interval_cancer_fingerprint(truth: SyntheticStudyTruth) -> str:
    """The synthetic registry's key for the study's cancer: recorded once, whatever the runs."""
    return hashlib.sha256(f"synthetic-registry:{truth.study_instance_uid}".encode()).hexdigest()


def cancer_surfaces_on(truth: SyntheticStudyTruth, rng: random.Random) -> date:
    """When a cancer the screen did not prove is diagnosed: 3 months to the end of the interval."""
    episode = truth.episode
    assert episode is not None and episode.imaged_at is not None
    interval = episode.campaign.programme.interval_months
    months = rng.randint(FIRST_INTERVAL_MONTH, max(FIRST_INTERVAL_MONTH, interval - 1))
    return add_months(timezone.localdate(episode.imaged_at), months) + timedelta(days=rng.randint(0, 27))


def _surfacing_cancer(
    actor: Actor,
    truth: SyntheticStudyTruth,
    rng: random.Random,
    today: date,
    summary: OutcomeSimulationSummary,
) -> None:
    """A cancer the screening result did not find is diagnosed later: a missed malignant lesion
    after a routine result, or a cancer not visible at screening whatever the result."""
    episode = truth.episode
    assert episode is not None
    missed_lesion = episode.result == EpisodeResult.ROUTINE and malignant_lesion(truth) is not None
    occult = not truth.lesion_present and truth.outcome == SyntheticOutcome.INTERVAL_CANCER
    if not (missed_lesion or occult):
        return
    diagnosed_on = cancer_surfaces_on(truth, rng)  # drawn first: the same date whatever the day
    side, kind, size = _diagnosis_details(truth, rng)
    fingerprint = interval_cancer_fingerprint(truth)
    if Diagnosis.objects.filter(fingerprint=fingerprint).exists():
        if episode.result == EpisodeResult.ROUTINE:
            summary.already_recorded += 1
        return
    if diagnosed_on > today:
        summary.not_yet_due += 1
        return
    outcome_services.diagnosis_record(
        actor=actor,
        patient=truth.patient,
        diagnosed_on=diagnosed_on,
        kind=kind,
        reporting_source=SYNTHETIC_REGISTRY,
        side=side,
        size_mm=size,
        via=RecordedVia.REGISTRY,
        fingerprint=fingerprint,
    )
    summary.registry_diagnoses += 1


def _diagnosis_details(truth: SyntheticStudyTruth, rng: random.Random) -> tuple[str, str, float]:
    """(side, pathology, size in mm) of the cancer: the lesion's, or drawn for an occult cancer."""
    per_side = truth.programme == "breast"
    lesion = malignant_lesion(truth)
    drawn_side = rng.choice(["R", "L"]) if per_side else ""
    drawn_size = round(rng.uniform(8.0, 25.0), 1)
    if lesion is None:
        return drawn_side, PathologyKind.INVASIVE, drawn_size
    side = (lesion["laterality"] or "") if per_side else ""
    kind = PathologyKind.DCIS if lesion["kind"] == CALCIFICATION_CLUSTER else PathologyKind.INVASIVE
    return side, kind, round(float(lesion["diameter_mm"]), 1)
