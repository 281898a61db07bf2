"""The episode pathway: which status may follow which, and which steps only signed reads take."""

from screening.campaigns.models import EpisodeResult, EpisodeStatus

S = EpisodeStatus

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.ELIGIBLE: frozenset({S.INVITED, S.OPTED_OUT, S.CLOSED}),
    S.INVITED: frozenset({S.ATTENDED, S.DID_NOT_ATTEND, S.OPTED_OUT}),
    S.DID_NOT_ATTEND: frozenset({S.INVITED, S.OPTED_OUT, S.CLOSED}),
    # A technical recall at imaging: the images cannot be read, before they go for reading.
    S.ATTENDED: frozenset({S.IMAGED, S.OPTED_OUT, S.RESULT_ISSUED}),
    S.IMAGED: frozenset({S.READ}),
    S.READ: frozenset({S.RESULT_ISSUED}),
    # A technical recall brings the participant back for new images.
    S.RESULT_ISSUED: frozenset({S.CLOSED, S.ATTENDED}),
    S.OPTED_OUT: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Steps only the reading decision takes (reading's `episode_result_from_reads`), never a person:
# an episode is read, and gets a routine or recall result, only from signed reads.
READS_ONLY_STEPS = frozenset({(S.IMAGED, S.READ), (S.READ, S.RESULT_ISSUED)})
CLINICAL_RESULTS = frozenset({EpisodeResult.ROUTINE, EpisodeResult.RECALL})

# Statuses from which an opt-out ends the episode.
OPEN_BEFORE_IMAGING = frozenset({S.ELIGIBLE, S.INVITED, S.DID_NOT_ATTEND, S.ATTENDED})


def transition_error(current: str, target: str, result: str, current_result: str) -> str | None:
    """Why `current -> target` is refused on the pathway, or None when it is allowed."""
    if target not in S.values:
        return f"Unknown episode status {target!r}."
    if target not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        return f"An episode cannot go from {S(current).label} to {S(target).label}."
    if target == S.RESULT_ISSUED and result not in EpisodeResult.values:
        return "Issuing a result needs one of: routine, recall, technical recall."
    if target != S.RESULT_ISSUED and result:
        return "Only issuing a result takes a result."
    if (
        current == S.RESULT_ISSUED
        and target == S.ATTENDED
        and current_result != EpisodeResult.TECHNICAL_RECALL
    ):
        return "Only a technical recall brings a participant back for new images."
    return None


def manual_step_error(current: str, target: str, result: str, *, under_review: bool) -> str | None:
    """Why a person (a page, the API, a script) may not take this step, which only the reads take,
    or None when they may."""
    if under_review:
        return "This result is under review: an arbitration is open, and reading decides it."
    if (current, target) in READS_ONLY_STEPS or (target == S.RESULT_ISSUED and result in CLINICAL_RESULTS):
        return (
            "An episode is read, and its routine or recall result issued, only by signed reads on the "
            "reading worklist; only a technical recall at imaging is recorded here."
        )
    return None


def manual_next_statuses(current: str, *, under_review: bool) -> list[str]:
    """The statuses a person may move an episode to from `current` (in pathway order)."""
    if under_review:
        return []
    allowed = ALLOWED_TRANSITIONS[current]
    return [s for s in S.values if s in allowed and (current, s) not in READS_ONLY_STEPS]
