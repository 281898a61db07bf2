"""Recording outcomes: an assessment and pathology per recalled episode, diagnoses per participant.

Every record is appended (models.py): recording again what is already recorded is a correction and
needs a reason; `outcome_withdraw` withdraws a record entered in error. Each write is audited.
"""

from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from screening.campaigns.models import Episode, EpisodeResult
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.outcomes.episode_truth import months_between
from screening.outcomes.models import (
    AppendOnlyRecord,
    Assessment,
    AssessmentOutcome,
    Diagnosis,
    LungFollowUp,
    NodalStatus,
    NoduleOutcome,
    Pathology,
    PathologyKind,
    RecordedVia,
    Side,
)
from screening.outcomes.outcome_signals import outcomes_changed_send
from screening.patients.models import Patient

RECORD_PERMISSION = "outcomes.record_outcome"
ASSESSMENT, PATHOLOGY, DIAGNOSIS = "assessment", "pathology", "diagnosis"
MAX_SIZE_MM = 500.0
R = TypeVar("R", bound=AppendOnlyRecord)


def outcome_recorder_check(actor: Actor) -> None:
    """Refuse anyone without the right to record outcomes."""
    if not actor.has_perm(RECORD_PERMISSION):
        raise PermissionDenied("Recording outcomes needs the right to record outcomes.")


@transaction.atomic
def assessment_record(
    *,
    actor: Actor,
    episode: Episode,
    outcome: str,
    attended_on: date | None = None,
    site: str = "",
    reason: str = "",
    via: str = RecordedVia.FORM,
) -> Assessment:
    """Record the assessment of a recalled episode; a second one corrects the first, with a reason."""
    outcome_recorder_check(actor)
    episode = _recalled_episode(episode)
    if outcome not in AssessmentOutcome.values:
        raise ValidationError({"outcome": ["Choose an assessment outcome."]})
    if outcome == AssessmentOutcome.DID_NOT_ATTEND:
        attended_on, site = None, ""
    elif attended_on is None:
        raise ValidationError({"attended_on": ["Give the date the participant attended the assessment."]})
    else:
        _check_date("attended_on", attended_on, episode)
    current = Assessment.objects.filter(
        episode=episode, corrected_by__isnull=True, entered_in_error=False
    ).first()
    assessment = Assessment.objects.create(
        episode=episode,
        attended_on=attended_on,
        site=site.strip()[:120],
        outcome=outcome,
        **_chain(actor, via, current, reason),
    )
    _audit(actor, ASSESSMENT, assessment, {"episode": episode.pk, "outcome": outcome})
    outcomes_changed_send([episode.pk])
    return assessment


@transaction.atomic
def pathology_record(
    *,
    actor: Actor,
    episode: Episode,
    kind: str,
    side: str = "",
    lesion: int = 1,
    diagnosed_on: date | None = None,
    invasive_size_mm: float | None = None,
    grade: int | None = None,
    nodal_status: str = "",
    lung_rads_follow_up: str = "",
    nodule_outcome: str = "",
    stage: str = "",
    reason: str = "",
    via: str = RecordedVia.FORM,
) -> Pathology:
    """Record the pathology of one lesion of a recalled episode (per side for breast); recording the
    same side and lesion again corrects it, with a reason."""
    outcome_recorder_check(actor)
    episode = _recalled_episode(episode)
    per_side = episode.campaign.programme.results_per_side
    fields = {
        "kind": kind,
        "side": side,
        "lesion": lesion,
        "diagnosed_on": diagnosed_on,
        "invasive_size_mm": invasive_size_mm,
        "grade": grade,
        "nodal_status": nodal_status,
        "lung_rads_follow_up": lung_rads_follow_up,
        "nodule_outcome": nodule_outcome,
        "stage": stage.strip()[:16],
    }
    _check_pathology(fields, per_side=per_side)
    if diagnosed_on is not None:
        _check_date("diagnosed_on", diagnosed_on, episode)
    current = Pathology.objects.filter(
        episode=episode, side=side, lesion=lesion, corrected_by__isnull=True, entered_in_error=False
    ).first()
    pathology = Pathology.objects.create(episode=episode, **fields, **_chain(actor, via, current, reason))
    _audit(actor, PATHOLOGY, pathology, {"episode": episode.pk, "side": side, "lesion": lesion, "kind": kind})
    outcomes_changed_send([episode.pk])
    return pathology


@transaction.atomic
def diagnosis_record(
    *,
    actor: Actor,
    patient: Patient,
    diagnosed_on: date,
    kind: str,
    reporting_source: str,
    side: str = "",
    size_mm: float | None = None,
    via: str = RecordedVia.API,
    fingerprint: str = "",
) -> Diagnosis:
    """Record a diagnosis of a participant, linked to the screening episode it followed."""
    outcome_recorder_check(actor)
    diagnosis = diagnosis_build(
        patient_id=patient.pk,
        diagnosed_on=diagnosed_on,
        kind=kind,
        reporting_source=reporting_source,
        side=side,
        size_mm=size_mm,
        episodes=episodes_imaged(patient_ids=[patient.pk]),
    )
    diagnosis.recorded_at, diagnosis.recorded_by, diagnosis.recorded_via = timezone.now(), actor.user, via
    diagnosis.fingerprint = fingerprint
    diagnosis.save()
    _audit(actor, DIAGNOSIS, diagnosis, diagnosis_audit_detail(diagnosis))
    outcomes_changed_send([diagnosis.episode_id])
    return diagnosis


def diagnosis_build(
    *,
    patient_id: int,
    diagnosed_on: date,
    kind: str,
    reporting_source: str,
    side: str,
    size_mm: float | None,
    episodes: dict[int, list[tuple[date, int]]],
) -> Diagnosis:
    """An unsaved diagnosis, checked and linked to the latest episode imaged on or before its date
    (`episodes`: {patient id: [(imaging date, episode id)] in date order}, from episodes_imaged)."""
    problems: dict[str, list[str]] = {}
    if kind not in PathologyKind.values:
        problems["kind"] = ["Pathology must be invasive, dcis, benign or other."]
    if side not in Side.values:
        problems["side"] = ["Laterality must be R, L or blank."]
    if size_mm is not None and not 0 < size_mm <= MAX_SIZE_MM:
        problems["size_mm"] = [f"Size must be more than 0 and at most {MAX_SIZE_MM:.0f} mm."]
    if diagnosed_on > timezone.localdate():
        problems["diagnosed_on"] = ["The diagnosis date is in the future."]
    if not reporting_source.strip():
        problems["reporting_source"] = ["Say who reported the diagnosis (e.g. the registry)."]
    if problems:
        raise ValidationError(problems)
    followed = [(day, pk) for day, pk in episodes.get(patient_id, []) if day <= diagnosed_on]
    screened_on, episode_id = followed[-1] if followed else (None, None)
    return Diagnosis(
        patient_id=patient_id,
        episode_id=episode_id,
        diagnosed_on=diagnosed_on,
        side=side,
        kind=kind,
        size_mm=size_mm,
        reporting_source=reporting_source.strip()[:120],
        months_since_screening=months_between(screened_on, diagnosed_on) if screened_on else None,
    )


def episodes_imaged(*, patient_ids: list[int]) -> dict[int, list[tuple[date, int]]]:
    """{patient id: [(imaging date, episode id)], oldest first} for the participants' imaged episodes."""
    found: dict[int, list[tuple[date, int]]] = {}
    rows = (
        Episode.objects.filter(patient_id__in=patient_ids, imaged_at__isnull=False)
        .order_by("imaged_at", "id")
        .values_list("patient_id", "imaged_at", "id")
    )
    for patient_id, imaged_at, episode_id in rows:
        found.setdefault(patient_id, []).append((timezone.localdate(imaged_at), episode_id))
    return found


def diagnosis_audit_detail(diagnosis: Diagnosis) -> dict[str, Any]:
    return {
        "patient": diagnosis.patient_id,
        "episode": diagnosis.episode_id,
        "kind": diagnosis.kind,
        "months_since_screening": diagnosis.months_since_screening,
        "import": diagnosis.registry_import_id,
    }


@transaction.atomic
def outcome_withdraw(*, actor: Actor, record: R, reason: str) -> R:
    """Withdraw a current record entered in error (wrong participant, wrong episode): a new record
    of its chain says so, with the reason; the truth no longer counts it."""
    outcome_recorder_check(actor)
    records = type(record)._default_manager
    locked = records.select_for_update().get(pk=record.pk)
    if locked.entered_in_error or records.filter(corrects=locked).exists():
        raise ValidationError("Only the current record can be withdrawn.")
    withdrawal = records.get(pk=locked.pk)
    withdrawal.pk, withdrawal._state.adding = None, True
    for name, value in _chain(actor, RecordedVia.FORM, locked, reason).items():
        setattr(withdrawal, name, value)
    withdrawal.entered_in_error = True
    if isinstance(withdrawal, Diagnosis):
        withdrawal.fingerprint = ""
    withdrawal.save()
    _audit(actor, withdrawal.record_type, withdrawal, {"withdraws": locked.pk, "entered_in_error": True})
    outcomes_changed_send([getattr(withdrawal, "episode_id", None)])
    return withdrawal


def _recalled_episode(episode: Episode) -> Episode:
    """The episode, locked (serialising two coordinators), refused unless its result is a recall."""
    locked = Episode.objects.select_for_update().select_related("campaign__programme").get(pk=episode.pk)
    if locked.result != EpisodeResult.RECALL:
        raise ValidationError("Assessment and pathology are recorded only for a recalled episode.")
    return locked


def _check_date(field: str, day: date, episode: Episode) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: ["The date is in the future."]})
    if episode.imaged_at is not None and day < timezone.localdate(episode.imaged_at):
        raise ValidationError({field: ["The date is before the screening images were taken."]})


def _check_pathology(fields: dict[str, Any], *, per_side: bool) -> None:
    """The form's rules: breast pathology per side (grade, nodes), lung per nodule (follow-up, stage)."""
    problems: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    kind = fields["kind"]
    if kind not in PathologyKind.values:
        refuse("kind", "Choose the pathology: invasive, DCIS, benign or other.")
    if per_side and fields["side"] not in (Side.RIGHT, Side.LEFT):
        refuse("side", "Choose the side: right or left.")
    if not per_side and fields["side"]:
        refuse("side", "This programme records pathology per nodule, not per side.")
    if not isinstance(fields["lesion"], int) or not 1 <= fields["lesion"] <= 20:
        refuse("lesion", "The lesion number is 1 to 20.")
    size = fields["invasive_size_mm"]
    if size is not None and (kind != PathologyKind.INVASIVE or not 0 < size <= MAX_SIZE_MM):
        refuse("invasive_size_mm", f"An invasive size is for invasive cancer, 0 to {MAX_SIZE_MM:.0f} mm.")
    if fields["grade"] is not None and (
        kind not in (PathologyKind.INVASIVE, PathologyKind.DCIS) or fields["grade"] not in (1, 2, 3)
    ):
        refuse("grade", "A grade (1, 2 or 3) is for invasive cancer or DCIS.")
    if fields["nodal_status"] and (
        fields["nodal_status"] not in NodalStatus.values or kind != PathologyKind.INVASIVE
    ):
        refuse("nodal_status", "A nodal status is for invasive cancer.")
    _check_programme_fields(fields, per_side=per_side, refuse=refuse)
    if problems:
        raise ValidationError(problems)


def _check_programme_fields(fields: dict[str, Any], *, per_side: bool, refuse: Any) -> None:
    if per_side:
        for name in ("lung_rads_follow_up", "nodule_outcome", "stage"):
            if fields[name]:
                refuse(name, "Lung-RADS follow-up, nodule outcome and stage are for lung screening.")
        return
    if fields["kind"] == PathologyKind.DCIS:
        refuse("kind", "DCIS is a breast pathology.")
    if fields["grade"] is not None or fields["nodal_status"]:
        refuse("grade", "Grade and nodal status are recorded for breast pathology; give the stage.")
    if fields["lung_rads_follow_up"] and fields["lung_rads_follow_up"] not in LungFollowUp.values:
        refuse("lung_rads_follow_up", "Choose a Lung-RADS follow-up.")
    outcome = fields["nodule_outcome"]
    if outcome and outcome not in NoduleOutcome.values:
        refuse("nodule_outcome", "Choose a nodule outcome.")
    malignant_nodule = outcome == NoduleOutcome.MALIGNANT
    if outcome and malignant_nodule != (fields["kind"] == PathologyKind.INVASIVE):
        refuse(
            "nodule_outcome",
            "A malignant nodule is an invasive cancer, and an invasive cancer a malignant nodule.",
        )
    if fields["stage"] and fields["kind"] != PathologyKind.INVASIVE:
        refuse("stage", "A stage is for a cancer.")


def _chain(actor: Actor, via: str, current: AppendOnlyRecord | None, reason: str) -> dict[str, Any]:
    """The fields that place a new record in its chain: a correction of `current` needs a reason."""
    reason = reason.strip()[:500]
    if current is not None and not reason:
        raise ValidationError({"reason": ["This is already recorded: give the reason for the correction."]})
    return {
        "recorded_at": timezone.now(),
        "recorded_by": actor.user,
        "recorded_via": via,
        "corrects": current,
        "correction_reason": reason if current is not None else "",
    }


def _audit(actor: Actor, object_type: str, record: AppendOnlyRecord, detail: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE if record.corrects_id else AuditAction.CREATE,
        object_type=object_type,
        object_id=record.pk,
        detail={**detail, "corrects": record.corrects_id, "reason_given": bool(record.correction_reason)},
    )
