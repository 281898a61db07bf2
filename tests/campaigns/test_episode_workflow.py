"""The episode pathway: legal steps are kept as history, every other step is refused."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from screening.campaigns.episode_services import episode_result_from_reads, episode_transition
from screening.campaigns.episode_workflow import ALLOWED_TRANSITIONS, READS_ONLY_STEPS
from screening.campaigns.models import EpisodeResult, EpisodeStatus
from screening.patients.consent_services import consent_grant, consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope
from tests.factories import EpisodeFactory

S = EpisodeStatus
ILLEGAL = [
    (current, target)
    for current, target in itertools.product(S.values, S.values)
    if target not in ALLOWED_TRANSITIONS[current]
]
# The steps a person takes; the reads-only ones are the reading decision's (see below).
LEGAL = [
    (current, target)
    for current in S.values
    for target in sorted(ALLOWED_TRANSITIONS[current])
    if (current, target) not in READS_ONLY_STEPS
]


def _episode(status: str, *, actor, consent: bool = True, result: str = ""):
    episode = EpisodeFactory(status=status, result=result)
    if consent:
        consent_grant(
            actor=actor, patient=episode.patient, scope=ConsentScope.SCREENING, method=ConsentMethod.WRITTEN
        )
    return episode


def _status_of(episode) -> str:
    episode.refresh_from_db()
    return episode.status


def _result_for(current: str, target: str) -> str:
    """A person issues only a technical recall (at imaging); other results come from the reads."""
    if target != S.RESULT_ISSUED:
        return ""
    return EpisodeResult.TECHNICAL_RECALL if current == S.ATTENDED else EpisodeResult.ROUTINE


def test_every_status_has_a_rule():
    assert set(ALLOWED_TRANSITIONS) == set(S.values)
    assert ALLOWED_TRANSITIONS[S.CLOSED] == frozenset()


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_a_legal_step_moves_the_episode_and_keeps_it_as_history(coordinator_actor, current, target):
    previous_result = EpisodeResult.TECHNICAL_RECALL if current == S.RESULT_ISSUED else ""
    episode = _episode(current, result=previous_result, actor=coordinator_actor)
    result = _result_for(current, target)
    episode_transition(actor=coordinator_actor, episode=episode, to_status=target, result=result, note=" ok ")
    episode.refresh_from_db()
    assert episode.status == target
    step = episode.status_events.get()
    assert (step.from_status, step.to_status, step.result, step.note) == (current, target, result, "ok")
    assert step.actor == coordinator_actor.user


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_an_illegal_step_is_refused_and_stores_nothing(coordinator_actor, current, target):
    episode = _episode(current, actor=coordinator_actor)
    with pytest.raises(ValidationError, match="cannot go from"):
        episode_transition(
            actor=coordinator_actor, episode=episode, to_status=target, result=_result_for(current, target)
        )
    episode.refresh_from_db()
    assert episode.status == current
    assert not episode.status_events.exists()


@pytest.mark.django_db
def test_an_unknown_status_is_a_validation_error(coordinator_actor):
    episode = _episode(S.INVITED, actor=coordinator_actor)
    with pytest.raises(ValidationError, match="Unknown episode status"):
        episode_transition(actor=coordinator_actor, episode=episode, to_status="vanished")
    assert _status_of(episode) == S.INVITED


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), sorted(READS_ONLY_STEPS))
def test_a_person_never_takes_a_step_only_signed_reads_take(coordinator_actor, current, target):
    episode = _episode(current, actor=coordinator_actor)
    with pytest.raises(ValidationError, match="only by signed reads"):
        episode_transition(
            actor=coordinator_actor, episode=episode, to_status=target, result=_result_for(current, target)
        )
    assert _status_of(episode) == current
    assert not episode.status_events.exists()


@pytest.mark.django_db
def test_the_whole_pathway_keeps_every_step(coordinator_actor):
    episode = _episode(S.INVITED, actor=coordinator_actor)
    episode_transition(actor=coordinator_actor, episode=episode, to_status=S.ATTENDED)
    episode_transition(actor=coordinator_actor, episode=episode, to_status=S.IMAGED)
    episode_result_from_reads(actor=coordinator_actor, episode=episode, result=EpisodeResult.RECALL, note="")
    episode_transition(actor=coordinator_actor, episode=episode, to_status=S.CLOSED)
    episode.refresh_from_db()
    assert (episode.status, episode.result) == (S.CLOSED, EpisodeResult.RECALL)
    assert episode.imaged_at is not None
    steps = [(e.from_status, e.to_status) for e in episode.status_events.order_by("id")]
    assert steps == [
        ("invited", "attended"),
        ("attended", "imaged"),
        ("imaged", "read"),
        ("read", "result_issued"),
        ("result_issued", "closed"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("result", ["", "maybe"])
def test_issuing_a_result_needs_a_known_result(coordinator_actor, result):
    episode = _episode(S.ATTENDED, actor=coordinator_actor)
    with pytest.raises(ValidationError, match="Issuing a result needs one of"):
        episode_transition(
            actor=coordinator_actor, episode=episode, to_status=S.RESULT_ISSUED, result=result, note="blur"
        )
    assert _status_of(episode) == S.ATTENDED
    assert not episode.status_events.exists()


@pytest.mark.django_db
def test_only_issuing_a_result_takes_a_result(coordinator_actor):
    episode = _episode(S.INVITED, actor=coordinator_actor)
    with pytest.raises(ValidationError, match="Only issuing a result takes a result"):
        episode_transition(
            actor=coordinator_actor, episode=episode, to_status=S.ATTENDED, result=EpisodeResult.ROUTINE
        )
    assert _status_of(episode) == S.INVITED


@pytest.mark.django_db
@pytest.mark.parametrize("result", [EpisodeResult.ROUTINE, EpisodeResult.RECALL])
def test_only_a_technical_recall_brings_a_participant_back_for_images(coordinator_actor, result):
    episode = _episode(S.RESULT_ISSUED, result=result, actor=coordinator_actor)
    with pytest.raises(ValidationError, match="Only a technical recall"):
        episode_transition(actor=coordinator_actor, episode=episode, to_status=S.ATTENDED)
    assert _status_of(episode) == S.RESULT_ISSUED


@pytest.mark.django_db
def test_a_technical_recall_returns_to_attended_and_keeps_the_earlier_result_in_history(coordinator_actor):
    episode = _episode(S.ATTENDED, actor=coordinator_actor)
    episode_transition(
        actor=coordinator_actor,
        episode=episode,
        to_status=S.RESULT_ISSUED,
        result=EpisodeResult.TECHNICAL_RECALL,
        note="Patient moved during the exposure",
    )
    episode_transition(actor=coordinator_actor, episode=episode, to_status=S.ATTENDED)
    episode.refresh_from_db()
    assert (episode.status, episode.result) == (S.ATTENDED, "")
    assert [e.result for e in episode.status_events.order_by("id")] == ["technical_recall", ""]


@pytest.mark.django_db
def test_attendance_needs_screening_consent(coordinator_actor):
    episode = _episode(S.INVITED, actor=coordinator_actor, consent=False)
    with pytest.raises(ValidationError, match="screening consent"):
        episode_transition(actor=coordinator_actor, episode=episode, to_status=S.ATTENDED)
    assert _status_of(episode) == S.INVITED
    assert not episode.status_events.exists()


@pytest.mark.django_db
def test_withdrawn_screening_consent_stops_attendance(coordinator_actor):
    episode = _episode(S.INVITED, actor=coordinator_actor)
    consent_withdraw(
        actor=coordinator_actor,
        patient=episode.patient,
        scope=ConsentScope.SCREENING,
        method=ConsentMethod.VERBAL,
    )
    with pytest.raises(ValidationError, match="screening consent"):
        episode_transition(actor=coordinator_actor, episode=episode, to_status=S.ATTENDED)


@pytest.mark.django_db
def test_a_participant_who_did_not_attend_can_be_invited_again(coordinator_actor):
    episode = _episode(S.DID_NOT_ATTEND, actor=coordinator_actor)
    first_invitation = episode.invited_at
    episode_transition(actor=coordinator_actor, episode=episode, to_status=S.INVITED)
    episode.refresh_from_db()
    assert episode.status == S.INVITED
    assert episode.invited_at > first_invitation
