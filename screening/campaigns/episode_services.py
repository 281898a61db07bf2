"""Moving episodes along the pathway, keeping every step as history."""

from django.core.exceptions import ValidationError
from django.db import transaction

from screening.campaigns.accession_numbers import accession_number_of, episodes_accession_assign
from screening.campaigns.episode_signals import episodes_changed_send
from screening.campaigns.episode_workflow import OPEN_BEFORE_IMAGING, manual_step_error, transition_error
from screening.campaigns.models import (
    RECORDED_SETTINGS,
    Episode,
    EpisodeResult,
    EpisodeStatus,
    EpisodeStatusEvent,
)
from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.event_clock import event_now
from screening.core.models import AuditAction, AuditOutcome
from screening.patients.consent_services import consent_allows
from screening.patients.models import ConsentScope, Patient

EPISODE = "episode"
# Steps after which the episode is on the modality worklist, so it needs its accession number.
SCHEDULED = frozenset({EpisodeStatus.INVITED, EpisodeStatus.ATTENDED})


class StepRefused(ValidationError):
    """A person tried a step only signed reads take (or on a result under review): a denial."""


def episode_transition(
    *, actor: Actor, episode: Episode, to_status: str, result: str = "", note: str = ""
) -> Episode:
    """A person's step along the pathway; reads-only steps, illegal steps and attendance without
    consent are refused (routine and recall results come from `episode_result_from_reads`).

    An attempt at a reads-only step is audited as a denial, committed after the refused step's
    transaction has rolled back.
    """
    try:
        return _transition(actor=actor, episode=episode, to_status=to_status, result=result, note=note)
    except StepRefused:
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            object_type=EPISODE,
            object_id=episode.pk,
            outcome=AuditOutcome.DENIED,
            detail={"to": to_status, "result": result, "refusal": "reads_only"},
        )
        raise


@transaction.atomic
def _transition(*, actor: Actor, episode: Episode, to_status: str, result: str, note: str) -> Episode:
    episode = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    error = transition_error(episode.status, to_status, result, episode.result)
    if error:
        raise ValidationError(error)
    refusal = manual_step_error(episode.status, to_status, result, under_review=episode.result_under_review)
    if refusal:
        raise StepRefused(refusal)
    if result == EpisodeResult.TECHNICAL_RECALL and not note.strip():
        raise ValidationError("Say why the images cannot be read (the technical recall's reason).")
    if to_status == EpisodeStatus.ATTENDED and not consent_allows(
        patient=episode.patient, scope=ConsentScope.SCREENING
    ):
        raise ValidationError("Record the participant's screening consent before attendance.")
    return _step(actor, episode, to_status, result, note)


@transaction.atomic
def episode_result_from_reads(*, actor: Actor, episode: Episode, result: str, note: str) -> Episode:
    """Issue, change or confirm the result the signed reads decided (reading's decision alone calls
    this); it ends a review the result was under."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if result not in EpisodeResult.values:
        raise ValidationError("Issuing a result needs one of: routine, recall, technical recall.")
    if episode.status == EpisodeStatus.IMAGED:
        _step(actor, episode, EpisodeStatus.READ, "", "Reads complete")
        return _step(actor, episode, EpisodeStatus.RESULT_ISSUED, result, note)
    if episode.status != EpisodeStatus.RESULT_ISSUED:
        raise ValidationError("The episode has moved on; its result can no longer change.")
    previous, reviewed = episode.result, episode.result_under_review
    if previous == result and not reviewed:
        return episode
    episode.result, episode.result_under_review = result, False
    changed = "changed" if previous != result else "confirmed"
    return _result_event(
        actor,
        episode,
        note=f"Result {changed} by the reads (was {previous}): {note}"[:500],
        detail={"result_from": previous, "result_to": result, "review_closed": reviewed},
    )


@transaction.atomic
def episode_result_review_open(*, actor: Actor, episode: Episode, note: str) -> Episode:
    """Mark an issued result under review (an amendment opened an arbitration) until reads decide."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.status != EpisodeStatus.RESULT_ISSUED or episode.result_under_review:
        return episode
    episode.result_under_review = True
    return _result_event(
        actor, episode, note=f"Result under review: {note}"[:500], detail={"result_under_review": True}
    )


def _result_event(actor: Actor, episode: Episode, *, note: str, detail: dict[str, object]) -> Episode:
    """Save an issued result's change of value or review state as a step of the history, audited."""
    now = event_now()
    episode.status_changed_at = now
    episode.save(update_fields=["result", "result_under_review", "status_changed_at", "updated_at"])
    EpisodeStatusEvent.objects.create(
        episode=episode,
        from_status=EpisodeStatus.RESULT_ISSUED,
        to_status=EpisodeStatus.RESULT_ISSUED,
        result=episode.result,
        occurred_at=now,
        actor=actor.user,
        note=note,
    )
    episodes_changed_send([episode.pk])
    audit_record(
        actor=actor, action=AuditAction.CHANGE, object_type=EPISODE, object_id=episode.pk, detail=detail
    )
    return episode


def _step(actor: Actor, episode: Episode, to_status: str, result: str, note: str) -> Episode:
    """Move a locked episode to `to_status`, kept as a step of its history and audited."""
    now = event_now()
    from_status = episode.status
    episode.status, episode.status_changed_at = to_status, now
    fields = ["status", "status_changed_at", "updated_at"]
    if to_status == EpisodeStatus.RESULT_ISSUED or to_status == EpisodeStatus.ATTENDED:
        episode.result = result
        fields.append("result")
    if to_status == EpisodeStatus.INVITED:
        episode.invited_at = now
        fields.append("invited_at")
    detail: dict[str, object] = {"from": from_status, "to": to_status, "result": result}
    if to_status == EpisodeStatus.IMAGED:
        episode.imaged_at = now
        fields.append("imaged_at")
        detail["reading_settings"] = _reading_settings_record(episode)
        fields.extend(RECORDED_SETTINGS)
    episode.save(update_fields=fields)
    if to_status in SCHEDULED and episode.accession_number is None:
        episodes_accession_assign(episode_ids=[episode.pk])
        episode.accession_number = accession_number_of(episode.pk)
    EpisodeStatusEvent.objects.create(
        episode=episode,
        from_status=from_status,
        to_status=to_status,
        result=result,
        occurred_at=now,
        actor=actor.user,
        note=note.strip()[:500],
    )
    episodes_changed_send([episode.pk])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=EPISODE,
        object_id=episode.pk,
        detail=detail,
    )
    return episode


def _reading_settings_record(episode: Episode) -> dict[str, object]:
    """Copy the campaign's reading settings onto an episode whose reading starts (unsaved); returns them."""
    recorded = {name: getattr(episode.campaign, name) for name in RECORDED_SETTINGS}
    for name, value in recorded.items():
        setattr(episode, name, value)
    return recorded


@transaction.atomic
def episode_reading_settings_ensure(*, actor: Actor, episode: Episode) -> Episode:
    """The imaged episode with its reading settings recorded: recorded now (audited) if it reached
    imaging without them (rows written before they were recorded, or loaded in bulk)."""
    if episode.reading_settings_recorded:
        return episode
    episode = Episode.objects.select_for_update().select_related("campaign").get(pk=episode.pk)
    if episode.reading_settings_recorded or episode.status != EpisodeStatus.IMAGED:
        return episode
    recorded = _reading_settings_record(episode)
    episode.save(update_fields=[*RECORDED_SETTINGS, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type=EPISODE,
        object_id=episode.pk,
        detail={"reading_settings": recorded},
    )
    return episode


@transaction.atomic
def episode_images_withdrawn(*, actor: Actor, episode: Episode, note: str) -> Episode:
    """Put an imaged episode back to awaiting images (attended): its only study was detached as
    another person's. Not a step a person takes on the episode page, so outside the transitions."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.status != EpisodeStatus.IMAGED:
        raise ValidationError(
            f"The episode is {episode.get_status_display().lower()}; only an imaged episode can give "
            "its images back."
        )
    episode = _step(actor, episode, EpisodeStatus.ATTENDED, "", note)
    episode.imaged_at = None
    episode.save(update_fields=["imaged_at", "updated_at"])
    episodes_changed_send([episode.pk])
    return episode


def episodes_opt_out(*, actor: Actor, patient: Patient) -> int:
    """Move a participant's episodes that have not been imaged to opted out; returns how many."""
    now = event_now()
    episodes = list(
        Episode.objects.select_for_update().filter(patient=patient, status__in=OPEN_BEFORE_IMAGING)
    )
    for episode in episodes:
        EpisodeStatusEvent.objects.create(
            episode=episode,
            from_status=episode.status,
            to_status=EpisodeStatus.OPTED_OUT,
            occurred_at=now,
            actor=actor.user,
            note="Participant opted out of screening",
        )
        episode.status, episode.status_changed_at = EpisodeStatus.OPTED_OUT, now
        episode.save(update_fields=["status", "status_changed_at", "updated_at"])
    episodes_changed_send(episode.pk for episode in episodes)
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(AuditAction.CHANGE, EPISODE, e.pk, detail={"to": EpisodeStatus.OPTED_OUT})
            for e in episodes
        ],
    )
    return len(episodes)


def on_patient_opted_out(sender: object, actor: Actor, patient: Patient, **kwargs: object) -> None:
    """Receiver of patients' ``patient_opted_out``: the participant's open episodes follow."""
    episodes_opt_out(actor=actor, patient=patient)
