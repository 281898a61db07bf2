"""Matching an arriving study to a participant and the open episode it belongs to.

A study is matched on the identifier and issuer the modality sent, to the participant's episode in
an open campaign whose programme images with the study's modality. A study bringing back the
accession number the modality worklist gave (`worklist_selectors`) goes to that episode, even
where the identifier alone could not choose one, provided the images name its participant.
Anything less certain waits for a coordinator in the reconciliation queue, with a note saying why;
nothing is dropped.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from screening.campaigns.episode_services import episode_transition
from screening.campaigns.models import CampaignStatus, Episode, EpisodeStatus
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.imaging.intake_signals import studies_announce
from screening.imaging.models import Study, StudyMatch, StudyMatchEvent, StudyMatchEventKind
from screening.imaging.study_demographics import DemographicRow, demographic_contradictions
from screening.patients.consent_services import consent_allows
from screening.patients.identifiers import NHS_ISSUER, normalise_identifier, normalise_issuer
from screening.patients.models import ConsentScope, Patient

STUDY = "study"
# Episodes that can receive images: the participant was invited, attended or already imaged.
OPEN_FOR_IMAGES = (EpisodeStatus.INVITED, EpisodeStatus.ATTENDED, EpisodeStatus.IMAGED)
# Episodes a coordinator may attach a study to: awaiting images (not imaged, closed or opted out).
AWAITING_IMAGES = (EpisodeStatus.INVITED, EpisodeStatus.ATTENDED)
# Episodes past imaging take extra images as they are (late series of the same visit).
LINKED_WITHOUT_STEP = frozenset({EpisodeStatus.IMAGED, EpisodeStatus.READ, EpisodeStatus.RESULT_ISSUED})
NOTE_MAX_LENGTH = 255


@transaction.atomic
def study_link(
    *,
    actor: Actor,
    study: Study,
    patient: Patient,
    episode: Episode | None,
    reason: str = "",
    mismatches: Sequence[DemographicRow] = (),
) -> Study:
    """Match a study to a participant's episode and move the episode to imaged, audited and kept
    in the study's match history (with the coordinator's reason and the details that differed).

    An invited episode is stepped invited -> attended -> imaged (images are proof of attendance),
    which needs screening consent: without it the study stays awaiting reconciliation, with a note.
    Without an episode nothing is linked: the study still awaits one, with a note.
    """
    study = Study.objects.select_for_update().get(pk=study.pk)
    if episode is None:
        return _awaiting(actor, study, "participant known; choose the episode to attach to")
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.patient_id != patient.pk:
        raise ValidationError("That episode belongs to another participant.")
    if episode.status == EpisodeStatus.INVITED:
        if not consent_allows(patient=patient, scope=ConsentScope.SCREENING):
            return _awaiting(
                actor,
                study,
                "screening consent not recorded; record it, then attach the study",
            )
        episode = episode_transition(
            actor=actor, episode=episode, to_status=EpisodeStatus.ATTENDED, note="Images received"
        )
    if episode.status == EpisodeStatus.ATTENDED:
        episode = episode_transition(
            actor=actor, episode=episode, to_status=EpisodeStatus.IMAGED, note="Images received"
        )
    elif episode.status not in LINKED_WITHOUT_STEP:
        raise ValidationError(
            f"An episode that is {EpisodeStatus(episode.status).label.lower()} cannot receive images."
        )
    study.patient, study.episode = patient, episode
    study.match_status, study.match_note = StudyMatch.MATCHED, ""
    study.save(update_fields=["patient", "episode", "match_status", "match_note", "updated_at"])
    match_event_record(
        actor=actor,
        study=study,
        kind=StudyMatchEventKind.ATTACHED,
        patient=patient,
        episode=episode,
        reason=reason,
        mismatches=mismatches,
    )
    detail: dict[str, object] = {
        "match_status": StudyMatch.MATCHED.value,
        "patient": patient.pk,
        "episode": episode.pk,
    }
    if reason or mismatches:  # the fields that differed, not their values: the trail holds no names
        detail.update(reason=reason, mismatches=[row.field for row in mismatches])
    audit_record(actor=actor, action=AuditAction.CHANGE, object_type=STUDY, object_id=study.pk, detail=detail)
    studies_announce([study.pk])  # its images may now be acted on for this episode
    return study


@transaction.atomic
def study_match_on_arrival(*, actor: Actor, study: Study) -> Study:
    """Match a newly created study by its worklist accession number, else by identifier and
    modality, or queue it for reconciliation."""
    scheduled = _worklist_episode(study)
    if scheduled is not None:
        try:
            with transaction.atomic():
                return study_link(actor=actor, study=study, patient=scheduled.patient, episode=scheduled)
        except ValidationError:
            pass  # e.g. no screening consent yet: matched below as any study, or queued with a note
    issuer = normalise_issuer(study.dicom_issuer or NHS_ISSUER)
    identifier = normalise_identifier(study.dicom_patient_id, issuer)
    if not identifier:
        return _awaiting(actor, study, "the images carry no patient identifier")
    patient = Patient.objects.filter(issuer=issuer, identifier=identifier).first()
    if patient is None:
        return _awaiting(actor, study, "no participant with this identifier")
    contradicted = demographic_contradictions(study, patient)
    if contradicted:
        return _awaiting(
            actor,
            study,
            f"identifier matches a participant whose {' and '.join(contradicted)} "
            f"{'differ' if len(contradicted) > 1 else 'differs'} from the images'",
        )
    modality = study.modality or "this modality"
    episodes = list(
        Episode.objects.filter(
            patient=patient,
            campaign__status=CampaignStatus.OPEN,
            campaign__programme__modality=study.modality,
            status__in=OPEN_FOR_IMAGES,
        ).select_related("campaign")[:2]
    )
    if not episodes or not study.modality:
        return _awaiting(actor, study, f"no open episode in a campaign for {modality}")
    if len(episodes) > 1:
        return _awaiting(actor, study, f"more than one open episode in campaigns for {modality}")
    try:
        with transaction.atomic():
            return study_link(actor=actor, study=study, patient=patient, episode=episodes[0])
    except ValidationError as error:
        # The episode moved on meanwhile (e.g. closed): a coordinator decides.
        return _awaiting(actor, study, f"could not attach to the open episode: {' '.join(error.messages)}")


def _worklist_episode(study: Study) -> Episode | None:
    """The open episode whose accession number the study carries, when its images name the
    episode's participant (identifier, issuer, birth date and sex agree) and its modality fits."""
    if not study.accession_number or not study.modality:
        return None
    episode = (
        Episode.objects.filter(
            accession_number=study.accession_number,
            campaign__status=CampaignStatus.OPEN,
            campaign__programme__modality=study.modality,
            status__in=OPEN_FOR_IMAGES,
        )
        .select_related("patient", "campaign")
        .first()
    )
    if episode is None:
        return None
    patient = episode.patient
    if study.dicom_issuer and normalise_issuer(study.dicom_issuer) != patient.issuer:
        return None
    if normalise_identifier(study.dicom_patient_id, patient.issuer) != patient.identifier:
        return None
    if demographic_contradictions(study, patient):
        return None
    return episode


def match_event_record(
    *,
    actor: Actor,
    study: Study,
    kind: str,
    patient: Patient,
    episode: Episode,
    reason: str = "",
    mismatches: Sequence[DemographicRow] = (),
) -> StudyMatchEvent:
    """Keep one attach or detach in the study's match history (audited by the caller)."""
    return StudyMatchEvent.objects.create(
        study=study,
        kind=kind,
        patient=patient,
        episode=episode,
        occurred_at=timezone.now(),
        actor=actor.user,
        actor_name=actor.username,
        reason=reason[:500],
        mismatches=[row.as_record() for row in mismatches],
    )


def _awaiting(actor: Actor, study: Study, note: str) -> Study:
    """Leave the study unmatched, saying why, for a coordinator's reconciliation queue."""
    study.match_status = StudyMatch.AWAITING_RECONCILIATION
    study.match_note = note[:NOTE_MAX_LENGTH]
    study.save(update_fields=["match_status", "match_note", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=STUDY,
        object_id=study.pk,
        detail={"match_status": StudyMatch.AWAITING_RECONCILIATION.value, "note": study.match_note},
    )
    return study
