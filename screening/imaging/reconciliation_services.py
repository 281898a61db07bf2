"""Reconciliation: a coordinator attaches a study that matched no one to an episode, or rejects it."""

from django.core.exceptions import ValidationError
from django.db import transaction

from screening.campaigns.models import Episode
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.imaging.models import Study, StudyMatch
from screening.imaging.study_matching import study_link
from screening.patients.models import Patient

STUDY = "study"
REASON_MAX_LENGTH = 255


def _locked_awaiting(study: Study) -> Study:
    """The study's row, locked; refused unless it still awaits reconciliation."""
    locked = Study.objects.select_for_update().get(pk=study.pk)
    if locked.match_status != StudyMatch.AWAITING_RECONCILIATION:
        raise ValidationError(
            f"This study is no longer awaiting reconciliation ({locked.get_match_status_display().lower()})."
        )
    return locked


@transaction.atomic
def study_attach(*, actor: Actor, study: Study, patient: Patient, episode: Episode) -> Study:
    """Attach an awaiting study to one of the participant's episodes (study_link audits the match).

    The study may come back still awaiting, with study_link's note (an invited participant without
    screening consent): the caller shows that note.
    """
    locked = _locked_awaiting(study)
    if episode.patient_id != patient.pk:
        raise ValidationError("That episode belongs to another participant.")
    return study_link(actor=actor, study=locked, patient=patient, episode=episode)


@transaction.atomic
def study_reject(*, actor: Actor, study: Study, reason: str) -> Study:
    """Reject an awaiting study with the coordinator's reason; it stays stored but is matched to no one."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError("Give the reason the study is rejected.")
    locked = _locked_awaiting(study)
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
