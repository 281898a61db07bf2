"""Shares and rates of a count with their Wilson score intervals (Wilson 1927; Newcombe 1998)."""

import math
from dataclasses import dataclass
from statistics import NormalDist

LEVEL_95 = 0.95


def normal_quantile_two_sided(level: float) -> float:
    """z such that a standard normal lies within +-z with probability `level` (1.959964 for 0.95)."""
    if not 0 < level < 1:
        raise ValueError(f"a confidence level lies strictly between 0 and 1, not {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def counts_checked(numerator: int, denominator: int) -> None:
    """Refuse what is not a count out of a total: negative, fractional, or more events than trials."""
    for name, value in (("numerator", numerator), ("denominator", denominator)):
        if isinstance(value, bool) or int(value) != value or value < 0:
            raise ValueError(f"the {name} is a count (a whole number >= 0), not {value!r}")
    if numerator > denominator:
        raise ValueError(f"the numerator {numerator} exceeds its denominator {denominator}")


def wilson_interval(successes: int, trials: int, *, level: float = LEVEL_95) -> tuple[float, float]:
    """Wilson score interval of successes/trials; it stays inside [0, 1] and is sound at 0 and n."""
    counts_checked(successes, trials)
    if trials == 0:
        raise ValueError("a proportion of nothing has no interval (the denominator is 0)")
    z = normal_quantile_two_sided(level)
    share, z2 = successes / trials, z * z
    centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials * trials))
    # At 0 and n the bound is exactly 0 or 1; rounding must not leave it a hair inside or outside.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class Proportion:
    """numerator/denominator scaled by `per` (1 a share, 100 a percentage, 1000 a rate per 1 000).

    value, low and high are None when the denominator is 0: there is nothing to divide.
    """

    numerator: int
    denominator: int
    per: int
    value: float | None
    low: float | None
    high: float | None
    level: float = LEVEL_95


def proportion(numerator: int, denominator: int, *, per: int = 1, level: float = LEVEL_95) -> Proportion:
    """The share numerator/denominator (times `per`) with its Wilson interval at `level`."""
    counts_checked(numerator, denominator)
    if per <= 0:
        raise ValueError(f"a rate is per a positive number of people, not {per}")
    if denominator == 0:
        return Proportion(numerator, denominator, per, None, None, None, level)
    low, high = wilson_interval(numerator, denominator, level=level)
    return Proportion(
        numerator, denominator, per, per * numerator / denominator, per * low, per * high, level
    )


def rate_per_thousand(events: int, population: int, *, level: float = LEVEL_95) -> Proportion:
    """Events per 1 000 of the population (cancer detection, interval cancers) with the Wilson interval."""
    return proportion(events, population, per=1000, level=level)
