"""The dates a person may enter: from 1900 to 2199, so date arithmetic on them cannot overflow.

A campaign dated in year 1 made its eligibility (birth dates 70 years before its start) fail with
``year -70 is out of range``; every date input of the pages and the API takes this validator.
"""

from datetime import date

from django.core.exceptions import ValidationError

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def plausible_date(value: date | None) -> None:
    """Refuse a date outside EARLIEST_DATE..LATEST_DATE (a blank is the field's business)."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            f"Enter a date between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}.",
            code="implausible_date",
        )
