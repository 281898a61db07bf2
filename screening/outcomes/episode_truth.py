"""The truth of one screening episode, decided in this one function (docs/statistics.md,
"Outcomes and truth"). Plain Python: the facts come in as values, so statistics can apply it to
any number of episodes and tests can state every case.

- screen-detected cancer: recalled, and a cancer (invasive or DCIS) proven by the assessment, its
  pathology or a diagnosis within the round's window;
- interval cancer: a routine result, and a cancer diagnosed after screening and no later than the
  programme's interval (the false negative of that round);
- false positive recall: recalled, assessed as normal or benign (or a biopsy that proved benign),
  and no cancer in the window;
- true negative: a routine result, the whole window observed (follow-up complete), no cancer in it;
- unknown: anything not yet settled (follow-up incomplete, assessment or pathology awaited, did
  not attend the assessment): never taken as negative;
- no result: no routine or recall result (not screened, technical recall, awaiting reads).
"""

import calendar
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

AVERAGE_MONTH_DAYS = 365.25 / 12


class Truth(StrEnum):
    SCREEN_DETECTED = "screen_detected"
    INTERVAL_CANCER = "interval_cancer"
    FALSE_POSITIVE = "false_positive"
    TRUE_NEGATIVE = "true_negative"
    UNKNOWN = "unknown"
    NO_RESULT = "no_result"


TRUTH_LABELS = {
    Truth.SCREEN_DETECTED: "Screen-detected cancer",
    Truth.INTERVAL_CANCER: "Interval cancer",
    Truth.FALSE_POSITIVE: "False positive recall",
    Truth.TRUE_NEGATIVE: "True negative",
    Truth.UNKNOWN: "Unknown: follow-up incomplete",
    Truth.NO_RESULT: "No screening result",
}

# The result values of campaigns.models.EpisodeResult and assessment outcomes, as plain strings.
ROUTINE, RECALL = "routine", "recall"
NORMAL_BENIGN, BIOPSY_TAKEN, MALIGNANT = "normal_benign", "biopsy_taken", "malignant"


@dataclass(frozen=True)
class EpisodeFacts:
    """What is known of one episode when its truth is asked."""

    result: str  # "routine", "recall", "technical_recall" or "" (none yet)
    screened_on: date | None  # the imaging date
    interval_months: int  # the programme's screening interval
    follow_up_until: date  # cancer data are complete up to this date (today, or the registry's)
    assessment_outcome: str = ""  # the current assessment's outcome, "" when none
    pathology_cancer: bool = False  # a current pathology of the episode is invasive or DCIS
    pathology_benign_only: bool = False  # current pathology exists and none of it is a cancer
    cancer_diagnosed_on: list[date] = field(default_factory=list)  # current linked cancer diagnoses


@dataclass(frozen=True)
class EpisodeTruth:
    truth: Truth
    reason: str
    window_ends_on: date | None = None
    months_to_cancer: float | None = None

    @property
    def label(self) -> str:
        return TRUTH_LABELS[self.truth]


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> float:
    """Months from `start` to `end`, in average months, to one decimal."""
    return round((end - start).days / AVERAGE_MONTH_DAYS, 1)


def episode_truth(facts: EpisodeFacts) -> EpisodeTruth:
    """The episode's truth, with the reason a person can check (module docstring for the rules)."""
    if facts.result not in (ROUTINE, RECALL) or facts.screened_on is None:
        return EpisodeTruth(Truth.NO_RESULT, "No routine or recall result from a screen.")
    window_ends_on = add_months(facts.screened_on, facts.interval_months)
    in_window = sorted(d for d in facts.cancer_diagnosed_on if facts.screened_on <= d <= window_ends_on)
    months = months_between(facts.screened_on, in_window[0]) if in_window else None
    observed = facts.follow_up_until >= window_ends_on
    if facts.result == RECALL:
        return _recalled(facts, window_ends_on, months, cancer_in_window=bool(in_window))
    if in_window:
        return EpisodeTruth(
            Truth.INTERVAL_CANCER,
            f"Cancer diagnosed {months} months after a routine result, within the "
            f"{facts.interval_months}-month interval.",
            window_ends_on,
            months,
        )
    if observed:
        return EpisodeTruth(
            Truth.TRUE_NEGATIVE,
            f"Routine result and no cancer within the {facts.interval_months}-month interval.",
            window_ends_on,
        )
    return EpisodeTruth(
        Truth.UNKNOWN, f"Routine result; follow-up is complete only on {window_ends_on}.", window_ends_on
    )


def _recalled(
    facts: EpisodeFacts, window_ends_on: date, months: float | None, *, cancer_in_window: bool
) -> EpisodeTruth:
    if facts.assessment_outcome == MALIGNANT or facts.pathology_cancer or cancer_in_window:
        return EpisodeTruth(
            Truth.SCREEN_DETECTED, "Recalled, and the cancer was proven.", window_ends_on, months
        )
    benign = facts.assessment_outcome == NORMAL_BENIGN or (
        facts.assessment_outcome == BIOPSY_TAKEN and facts.pathology_benign_only
    )
    if benign:
        return EpisodeTruth(Truth.FALSE_POSITIVE, "Recalled; the assessment found no cancer.", window_ends_on)
    awaiting = {
        "": "no assessment is recorded yet",
        BIOPSY_TAKEN: "the biopsy's pathology is awaited",
    }.get(facts.assessment_outcome, "the participant did not attend the assessment")
    return EpisodeTruth(Truth.UNKNOWN, f"Recalled; {awaiting}.", window_ends_on)
