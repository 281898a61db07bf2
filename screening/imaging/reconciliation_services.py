"""Reconciliation: a coordinator attaches a study that matched no one to an episode awaiting images,
confirming with a reason any patient detail that differs; detaches a wrongly attached study; or
rejects it. Every attach and detach is kept in the study's match history and audited."""

from django.core.exceptions import ValidationError
from django.db import transaction

from screening.campaigns.episode_services import episode_images_withdrawn
from screening.campaigns.models import Episode, EpisodeStatus
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.imaging.match_signals import study_detaching
from screening.imaging.models import Study, StudyMatch, StudyMatchEventKind
from screening.imaging.study_demographics import demographic_mismatches
from screening.imaging.study_matching import AWAITING_IMAGES, match_event_record, study_link
from screening.patients.models import Patient

STUDY = "study"
REASON_MAX_LENGTH = 255


def _locked(study: Study, status: str) -> Study:
    """The study's row, locked; refused unless its match status is still `status`."""
    locked = Study.objects.select_for_update().get(pk=study.pk)
    if locked.match_status != status:
        wanted = "awaiting reconciliation" if status == StudyMatch.AWAITING_RECONCILIATION else "attached"
        raise ValidationError(
            f"This study is no longer {wanted} ({locked.get_match_status_display().lower()})."
        )
    return locked


def _tidy(reason: str) -> str:
    return " ".join(reason.split())


def attach_refusal(*, study: Study, episode: Episode) -> str:
    """Why the study cannot go to this episode ('' when it can): the episode must be of the
    programme that takes the study's modality, and awaiting images."""
    modality = episode.campaign.programme.modality
    if not study.modality or study.modality.upper() != modality.upper():
        return (
            f"That episode's programme takes {modality} images; "
            f"this study is {study.modality or 'of no modality'}."
        )
    if episode.status not in AWAITING_IMAGES:
        return (
            f"That episode is {episode.get_status_display().lower()}; only an episode awaiting images "
            "(invited or attended) takes a study."
        )
    return ""


@transaction.atomic
def study_attach(
    *, actor: Actor, study: Study, patient: Patient, episode: Episode, reason: str = ""
) -> Study:
    """Attach an awaiting study to one of the participant's episodes awaiting images.

    When the images' patient details differ from the record, the coordinator's reason is required
    (refused without one, nothing stored) and kept with the differences in the match history.
    The study may come back still awaiting, with study_link's note (an invited participant without
    screening consent): the caller shows that note.
    """
    locked = _locked(study, StudyMatch.AWAITING_RECONCILIATION)
    if episode.patient_id != patient.pk:
        raise ValidationError("That episode belongs to another participant.")
    episode = Episode.objects.select_related("campaign__programme").get(pk=episode.pk)
    refusal = attach_refusal(study=locked, episode=episode)
    if refusal:
        raise ValidationError(refusal)
    mismatches = demographic_mismatches(locked, patient)
    reason = _tidy(reason)[:REASON_MAX_LENGTH]
    if mismatches and not reason:
        fields = ", ".join(row.label.lower() for row in mismatches)
        raise ValidationError(
            f"The images and the participant's record differ ({fields}): confirm that the study is "
            "theirs and give the reason to attach it."
        )
    return study_link(
        actor=actor, study=locked, patient=patient, episode=episode, reason=reason, mismatches=mismatches
    )


@transaction.atomic
def study_detach(*, actor: Actor, study: Study, reason: str) -> Study:
    """Detach an attached study with the coordinator's reason: it returns to the reconciliation
    queue, and its episode (if the study was its only one) to awaiting images.

    Refused once a read of the study is signed. Open reads and queued or running AI jobs of the
    study stop with it (the ``study_detaching`` receivers).
    """
    reason = _tidy(reason)[:REASON_MAX_LENGTH]
    if not reason:
        raise ValidationError("Give the reason the study is detached.")
    locked = _locked(study, StudyMatch.MATCHED)
    patient, episode = locked.patient, locked.episode
    if patient is None or episode is None:
        raise ValidationError("This study is attached to no episode.")
    study_detaching.send(sender=Study, actor=actor, study_id=locked.pk, episode_id=episode.pk)
    others = Study.objects.filter(episode=episode, match_status=StudyMatch.MATCHED).exclude(pk=locked.pk)
    if not others.exists():
        if episode.status != EpisodeStatus.IMAGED:
            raise ValidationError(
                f"The episode is {episode.get_status_display().lower()}; "
                "its images can no longer be detached."
            )
        episode_images_withdrawn(actor=actor, episode=episode, note=f"Study {locked.pk} detached: {reason}")
    locked.patient, locked.episode = None, None
    locked.match_status = StudyMatch.AWAITING_RECONCILIATION
    locked.match_note = f"detached from episode {episode.pk}: {reason}"[:REASON_MAX_LENGTH]
    locked.save(update_fields=["patient", "episode", "match_status", "match_note", "updated_at"])
    match_event_record(
        actor=actor,
        study=locked,
        kind=StudyMatchEventKind.DETACHED,
        patient=patient,
        episode=episode,
        reason=reason,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=STUDY,
        object_id=locked.pk,
        detail={
            "match_status": StudyMatch.AWAITING_RECONCILIATION.value,
            "detached_from": {"patient": patient.pk, "episode": episode.pk},
            "reason": reason,
        },
    )
    return locked


@transaction.atomic
def study_reject(*, actor: Actor, study: Study, reason: str) -> Study:
    """Reject an awaiting study with the coordinator's reason; it stays stored but is matched to no one."""
    reason = _tidy(reason)
    if not reason:
        raise ValidationError("Give the reason the study is rejected.")
    locked = _locked(study, StudyMatch.AWAITING_RECONCILIATION)
    locked.match_status = StudyMatch.REJECTED
    locked.match_note = reason[:REASON_MAX_LENGTH]
    locked.save(update_fields=["match_status", "match_note", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=STUDY,
        object_id=locked.pk,
        detail={"match_status": StudyMatch.REJECTED.value},
    )
    return locked
