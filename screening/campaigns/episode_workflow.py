"""The episode pathway: which status may follow which."""

from screening.campaigns.models import EpisodeResult, EpisodeStatus

S = EpisodeStatus

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.ELIGIBLE: frozenset({S.INVITED, S.OPTED_OUT, S.CLOSED}),
    S.INVITED: frozenset({S.ATTENDED, S.DID_NOT_ATTEND, S.OPTED_OUT}),
    S.DID_NOT_ATTEND: frozenset({S.INVITED, S.OPTED_OUT, S.CLOSED}),
    S.ATTENDED: frozenset({S.IMAGED, S.OPTED_OUT}),
    S.IMAGED: frozenset({S.READ}),
    S.READ: frozenset({S.RESULT_ISSUED}),
    # A technical recall brings the participant back for new images.
    S.RESULT_ISSUED: frozenset({S.CLOSED, S.ATTENDED}),
    S.OPTED_OUT: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Statuses from which an opt-out ends the episode.
OPEN_BEFORE_IMAGING = frozenset({S.ELIGIBLE, S.INVITED, S.DID_NOT_ATTEND, S.ATTENDED})


def transition_error(current: str, target: str, result: str, current_result: str) -> str | None:
    """Why `current -> target` is refused, or None when it is allowed."""
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
