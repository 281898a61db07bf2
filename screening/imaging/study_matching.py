"""Matching an arriving study to a participant and the open episode it belongs to.

A study is matched on the identifier and issuer the modality sent, to the participant's episode in
an open campaign whose programme images with the study's modality. Anything less certain waits for
a coordinator in the reconciliation queue, with a note saying why; nothing is dropped.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from screening.campaigns.episode_services import episode_transition
from screening.campaigns.models import CampaignStatus, Episode, EpisodeStatus
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction
from screening.imaging.intake_signals import studies_announce
from screening.imaging.models import Study, StudyMatch
from screening.patients.consent_services import consent_allows
from screening.patients.identifiers import NHS_ISSUER, normalise_identifier, normalise_issuer
from screening.patients.models import ConsentScope, Patient

STUDY = "study"
# Episodes that can receive images: the participant was invited, attended or already imaged.
OPEN_FOR_IMAGES = (EpisodeStatus.INVITED, EpisodeStatus.ATTENDED, EpisodeStatus.IMAGED)
# Episodes past imaging take extra images as they are (late series of the same visit).
LINKED_WITHOUT_STEP = frozenset({EpisodeStatus.IMAGED, EpisodeStatus.READ, EpisodeStatus.RESULT_ISSUED})
NOTE_MAX_LENGTH = 255


@transaction.atomic
def study_link(*, actor: Actor, study: Study, patient: Patient, episode: Episode | None) -> Study:
    """Match a study to a participant's episode and move the episode to imaged, audited.

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
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=STUDY,
        object_id=study.pk,
        detail={"match_status": StudyMatch.MATCHED.value, "patient": patient.pk, "episode": episode.pk},
    )
    studies_announce([study.pk])  # its images may now be acted on for this episode
    return study


@transaction.atomic
def study_match_on_arrival(*, actor: Actor, study: Study) -> Study:
    """Match a newly created study by identifier and modality, or queue it for reconciliation."""
    issuer = normalise_issuer(study.dicom_issuer or NHS_ISSUER)
    identifier = normalise_identifier(study.dicom_patient_id, issuer)
    if not identifier:
        return _awaiting(actor, study, "the images carry no patient identifier")
    patient = Patient.objects.filter(issuer=issuer, identifier=identifier).first()
    if patient is None:
        return _awaiting(actor, study, "no participant with this identifier")
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
