"""Programme standards as data and a figure's red/amber/green against one.

A standard names the measure it judges, its source and edition, and two thresholds: acceptable
(the minimum a service must meet) and achievable (the level to aim for; "desirable" in the European
guidelines). Green meets achievable, amber meets acceptable only, red meets neither.
"""

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Comparison = Literal["<", "<=", ">", ">="]
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
ScreeningRound = Literal["first", "subsequent", "any"]
# share: a fraction (0.07 is 7%); ratio: observed over expected; per_1000: a rate per 1 000.
Unit = Literal["share", "ratio", "per_1000"]


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


@dataclass(frozen=True)
class Threshold:
    """A level a figure must be on the right side of: `figure <comparison> value`."""

    comparison: Comparison
    value: float

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise ValueError(f"a threshold compares with {sorted(COMPARISONS)}, not {self.comparison!r}")

    @property
    def lower_is_better(self) -> bool:
        return self.comparison in ("<", "<=")

    def met_by(self, figure: float) -> bool:
        return COMPARISONS[self.comparison](figure, self.value)


@dataclass(frozen=True)
class ProgrammeStandard:
    """One standard of a programme for one measure (and screening round), with its source."""

    code: str  # unique: "nhs_bsp.recall_rate.first"
    programme: str  # the programme's code ("breast")
    measure: str  # the KPI it judges ("recall_rate")
    name: str
    screening_round: ScreeningRound
    unit: Unit
    acceptable: Threshold
    achievable: Threshold
    source: str  # the publishing body and document
    edition: str  # which edition or version the values come from
    note: str = ""

    def __post_init__(self) -> None:
        if self.acceptable.lower_is_better != self.achievable.lower_is_better:
            raise ValueError(f"{self.code}: acceptable and achievable point the same way")
        if not achievable_is_stricter(self.acceptable, self.achievable):
            raise ValueError(f"{self.code}: the achievable level is at least as strict as the acceptable one")


def achievable_is_stricter(acceptable: Threshold, achievable: Threshold) -> bool:
    """Whether every figure meeting `achievable` also meets `acceptable`."""
    if achievable.value != acceptable.value:
        return (achievable.value < acceptable.value) == acceptable.lower_is_better
    # Same value: only a non-strict achievable (<=) against a strict acceptable (<) lets more through.
    return not (achievable.comparison in ("<=", ">=") and acceptable.comparison in ("<", ">"))


def standard_rag(standard: ProgrammeStandard, figure: float | None) -> Rag | None:
    """Green, amber or red for a figure in the standard's unit; None when there is no figure."""
    if figure is None:
        return None
    if standard.achievable.met_by(figure):
        return Rag.GREEN
    if standard.acceptable.met_by(figure):
        return Rag.AMBER
    return Rag.RED


def standards_for(
    standards: Iterable[ProgrammeStandard], *, programme: str, measure: str, screening_round: ScreeningRound
) -> list[ProgrammeStandard]:
    """The standards that judge a measure of a programme in a round (those for "any" round too)."""
    return [
        standard
        for standard in standards
        if standard.programme == programme
        and standard.measure == measure
        and standard.screening_round in (screening_round, "any")
    ]
