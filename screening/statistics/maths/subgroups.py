"""Whether a subgroup's interval excludes the whole selection's value: such a group is flagged on
the equity page, never averaged away into the overall figure."""

ABOVE, BELOW = "above", "below"


def interval_excludes(low: float | None, high: float | None, overall: float | None) -> str:
    """ "below" when the group's whole interval lies under the overall value, "above" when over it,
    "" when it contains it or either is unknown (suppressed)."""
    if low is None or high is None or overall is None:
        return ""
    if low > high:
        raise ValueError(f"an interval runs from low to high, not {low} to {high}")
    if high < overall:
        return BELOW
    if low > overall:
        return ABOVE
    return ""
