"""Reading policies replayed on a campaign's history, as vectorised numpy over one array per fact.

No Django here: `history_selectors` loads the arrays (one query over the KPI facts) and this module
decides, for every episode at once, what a policy would have recalled and how many human reads it
would have taken. The rules and what each assumes are in docs/policies.md:

- the policy in force: each episode's recorded result, which is what that policy decided; the
  reads are replayed by the rule each episode recorded (single, double blind with arbitration, AI
  as second reader at its recorded threshold) only to count the episodes whose reads do not
  rebuild their result (an override, an amendment, a technical recall read): `kept`;
- AI as second reader at t: the first reader beside the AI's call (score >= t); a disagreement
  goes to arbitration, whose call is the history's arbitration call where one was signed, else the
  episode's real result (a read not done cannot be invented);
- normal triage below t1: a clinical first read alone decides an episode scoring under t1;
- safety-net recall at or above t2: an episode scoring t2 or more is recalled whatever the reads.

Unscored episodes and episodes without a clinical first read keep the policy in force.
"""

from dataclasses import dataclass, replace

import numpy as np

# Calls of a reading role (int8): no signed read, routine, recall, any other (technical recall).
NO_READ, ROUTINE, RECALL, OTHER = -1, 0, 1, 2
# Truth (int8): cancer, no cancer, not yet known.
CANCER, NO_CANCER, UNKNOWN = 1, 0, -1
# The reading rule an episode recorded when it was imaged (int8).
SINGLE, DOUBLE_BLIND, AI_SECOND_READER = 0, 1, 2

IN_FORCE, AI_SECOND = "in_force", "ai_second_reader"
BASES = (IN_FORCE, AI_SECOND)


@dataclass(frozen=True)
class History:
    """One value per episode with a routine or recall result: its truth, real decision, AI score
    (NaN when unscored), the high threshold and rule it recorded, and each role's signed call."""

    truth: np.ndarray
    recalled: np.ndarray
    score: np.ndarray
    threshold: np.ndarray
    rule: np.ndarray
    first: np.ndarray
    second: np.ndarray
    arbitration: np.ndarray

    def __len__(self) -> int:
        return len(self.truth)

    @property
    def reads(self) -> np.ndarray:
        """The human reads each episode really had."""
        return (
            (self.first != NO_READ).astype(np.int64)
            + (self.second != NO_READ).astype(np.int64)
            + (self.arbitration != NO_READ).astype(np.int64)
        )


@dataclass(frozen=True)
class Policy:
    """A policy to replay: a base (the policy in force, or AI as second reader at `ai_threshold`),
    optionally normal triage to a single reader below `triage_below` and a safety-net recall at or
    above `safety_net_at`."""

    base: str = IN_FORCE
    ai_threshold: float | None = None
    triage_below: float | None = None
    safety_net_at: float | None = None

    def __post_init__(self) -> None:
        if self.base not in BASES:
            raise ValueError(f"unknown base policy {self.base!r}")
        if (self.base == AI_SECOND) != (self.ai_threshold is not None):
            raise ValueError("AI as second reader takes a threshold, and only it does")
        for value in (self.ai_threshold, self.triage_below, self.safety_net_at):
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"a threshold is a score between 0 and 1, not {value}")


@dataclass(frozen=True)
class Replay:
    """Each episode's replayed decision (recall or not) and the human reads it took; `kept`: the
    episodes whose signed reads, replayed by their recorded rule, do not rebuild their result."""

    recalled: np.ndarray
    reads: np.ndarray
    kept: int


def _concordant(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two reads' agreed call (a technical recall beside a recall is a recall), NO_READ if they differ."""
    technical_and_recall = ((first == OTHER) & (second == RECALL)) | ((first == RECALL) & (second == OTHER))
    return np.where(first == second, first, np.where(technical_and_recall, RECALL, NO_READ))


def _in_force(history: History) -> np.ndarray:
    """Where the recorded rule, applied to the signed reads, gives the episode's recorded result."""
    scored = ~np.isnan(history.score)
    ai_recall = scored & (np.nan_to_num(history.score, nan=-1.0) >= history.threshold)
    first = history.first
    beside_ai = np.where(
        first == OTHER, OTHER, np.where((first == RECALL) == ai_recall, first, NO_READ)
    ).astype(np.int8)
    alone = np.where(history.rule == DOUBLE_BLIND, NO_READ, first)
    call = np.where(
        history.arbitration != NO_READ,
        history.arbitration,
        np.where(
            history.second != NO_READ,
            _concordant(first, history.second),
            np.where((history.rule == AI_SECOND_READER) & scored, beside_ai, alone),
        ),
    )
    decided = (call == ROUTINE) | (call == RECALL)
    return decided & ((call == RECALL) == history.recalled)


@dataclass(frozen=True)
class _Prepared:
    """What every replay of one history shares, computed once (a curve replays it 101 times)."""

    history: History
    scored: np.ndarray
    score: np.ndarray
    clinical_first: np.ndarray
    first_recall: np.ndarray
    arbitrated: np.ndarray  # the signed arbitration's call, else the recorded result
    reads: np.ndarray


def _prepared(history: History) -> _Prepared:
    signed = (history.arbitration == ROUTINE) | (history.arbitration == RECALL)
    return _Prepared(
        history=history,
        scored=~np.isnan(history.score),
        score=np.nan_to_num(history.score, nan=-1.0),
        clinical_first=(history.first == ROUTINE) | (history.first == RECALL),
        first_recall=history.first == RECALL,
        arbitrated=np.where(signed, history.arbitration == RECALL, history.recalled),
        reads=history.reads,
    )


def _replayed(prepared: _Prepared, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """(recalled, reads) of `policy` on a prepared history."""
    recalled, reads = prepared.history.recalled, prepared.reads
    if policy.base == AI_SECOND:
        assert policy.ai_threshold is not None
        replaced = prepared.scored & prepared.clinical_first
        agree = prepared.first_recall == (prepared.score >= policy.ai_threshold)
        recalled = np.where(replaced, np.where(agree, prepared.first_recall, prepared.arbitrated), recalled)
        reads = np.where(replaced, 1 + (~agree).astype(np.int64), reads)
    if policy.triage_below is not None:
        triaged = prepared.scored & prepared.clinical_first & (prepared.score < policy.triage_below)
        recalled = np.where(triaged, prepared.first_recall, recalled)
        reads = np.where(triaged, 1, reads)
    if policy.safety_net_at is not None:
        recalled = recalled | (prepared.scored & (prepared.score >= policy.safety_net_at))
    return recalled.astype(bool), reads.astype(np.int64)


def policy_replay(history: History, policy: Policy) -> Replay:
    """What `policy` would have decided for each episode of `history`, and the reads it would take."""
    recalled, reads = _replayed(_prepared(history), policy)
    return Replay(recalled, reads, int((~_in_force(history)).sum()))


@dataclass(frozen=True)
class ReplayCounts:
    """What the figures are computed from: episodes, recalls, cancers found and missed, negatives
    kept routine and recalled, unknown truths, and the reads (total and sum of squares)."""

    episodes: int
    recalls: int
    detected: int
    missed: int
    true_negatives: int
    false_positives: int
    unknown: int
    reads: int
    reads_squared: int


def replay_counts(truth: np.ndarray, recalled: np.ndarray, reads: np.ndarray) -> ReplayCounts:
    """The counts of one set of decisions against the truth."""
    cancer, none = truth == CANCER, truth == NO_CANCER
    return ReplayCounts(
        episodes=len(truth),
        recalls=int(recalled.sum()),
        detected=int((recalled & cancer).sum()),
        missed=int((~recalled & cancer).sum()),
        true_negatives=int((~recalled & none).sum()),
        false_positives=int((recalled & none).sum()),
        unknown=int((truth == UNKNOWN).sum()),
        reads=int(reads.sum()),
        reads_squared=int((reads * reads).sum()),
    )


@dataclass(frozen=True)
class CurvePoints:
    """A policy's figures at each threshold of a sweep (one row per threshold)."""

    thresholds: np.ndarray
    recall_rate: np.ndarray  # percent
    sensitivity: np.ndarray  # percent, NaN without cancers
    specificity: np.ndarray  # percent, NaN without negatives
    reads_per_thousand: np.ndarray


def policy_curve(history: History, policy: Policy, varied: str, thresholds: np.ndarray) -> CurvePoints:
    """Replay `policy` with its `varied` threshold ("ai_threshold", "triage_below" or
    "safety_net_at") set to each of `thresholds`."""
    cancer, none = history.truth == CANCER, history.truth == NO_CANCER
    prepared = _prepared(history)
    rows = []
    for value in thresholds:
        changed: Policy = replace(policy, **{varied: float(value)})  # type: ignore[arg-type]
        recalled, reads = _replayed(prepared, changed)
        rows.append((recalled.sum(), (recalled & cancer).sum(), (~recalled & none).sum(), reads.sum()))
    recalls, detected, true_negatives, reads = np.array(rows, dtype=np.float64).T.reshape(4, -1)
    n = max(len(history), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return CurvePoints(
            np.asarray(thresholds, dtype=np.float64),
            100 * recalls / n,
            np.where(cancer.sum() > 0, 100 * detected / cancer.sum(), np.nan),
            np.where(none.sum() > 0, 100 * true_negatives / none.sum(), np.nan),
            1000 * reads / n,
        )
