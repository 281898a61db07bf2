"""Disclosure control: a count under 5 is shown as "<5" and a rate built on one is not shown.

Every auditor-facing figure (page, CSV, API answer) passes through `disclosed`, so the rule lives
in one place. A small count could point at a person; so could a rate whose numerator or
denominator is small (1 of 3 screened at a site). Zero counts are suppressed too: the rule is
"under 5", with no exception a reader would have to remember.
"""

from dataclasses import asdict, dataclass
from typing import overload

from .proportions import Proportion

SMALL_COUNT_LIMIT = 5
SUPPRESSED_COUNT = "<5"


def count_is_small(count: int) -> bool:
    """Whether a count must not be shown (under SMALL_COUNT_LIMIT)."""
    if isinstance(count, bool) or int(count) != count or count < 0:
        raise ValueError(f"disclosure control applies to counts (whole numbers >= 0), not {count!r}")
    return count < SMALL_COUNT_LIMIT


@dataclass(frozen=True)
class DisclosedProportion:
    """A Proportion as it may be shown: small counts as "<5", the rate and interval then None."""

    numerator: int | str
    denominator: int | str
    per: int
    value: float | None
    low: float | None
    high: float | None
    suppressed: bool

    def as_dict(self) -> dict[str, object]:
        """The same fields for a CSV row or an API answer."""
        return asdict(self)


def count_disclosed(count: int) -> int | str:
    """The count, or "<5" when it is small."""
    return SUPPRESSED_COUNT if count_is_small(count) else int(count)


def proportion_disclosed(figure: Proportion) -> DisclosedProportion:
    """The proportion, suppressed (rate and interval None) when its numerator or denominator is small."""
    suppressed = count_is_small(figure.numerator) or count_is_small(figure.denominator)
    return DisclosedProportion(
        numerator=count_disclosed(figure.numerator),
        denominator=count_disclosed(figure.denominator),
        per=figure.per,
        value=None if suppressed else figure.value,
        low=None if suppressed else figure.low,
        high=None if suppressed else figure.high,
        suppressed=suppressed,
    )


@overload
def disclosed(figure: Proportion) -> DisclosedProportion: ...
@overload
def disclosed(figure: int) -> int | str: ...
def disclosed(figure: int | Proportion) -> int | str | DisclosedProportion:
    """A figure as an auditor may see it: counts under 5 as "<5", rates on them suppressed."""
    if isinstance(figure, Proportion):
        return proportion_disclosed(figure)
    return count_disclosed(figure)
