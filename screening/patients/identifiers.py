"""Validation of programme identifiers, per issuer.

An issuer with a known check-digit scheme (the NHS number) is checked by it; any other issuer
gets the DICOM Patient ID grammar (LO: up to 64 characters, no backslash or control characters),
so every identifier can later be matched against images.
"""

import re

from django.core.exceptions import ValidationError

NHS_ISSUER = "NHS"
_GENERIC_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/:-]{0,63}$")
_ISSUER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


def _nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when none exists (remainder 10)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def nhs_number_is_valid(number: str) -> bool:
    """The NHS number check: ten digits, the last the modulus-11 check digit of the others."""
    if len(number) != 10 or not number.isdigit():
        return False
    return _nhs_check_digit(number[:9]) == int(number[9])


def nhs_number_with_check_digit(first_nine: str) -> str | None:
    """Complete nine digits to a valid NHS number, or None when no check digit fits."""
    check = _nhs_check_digit(first_nine)
    return None if check is None else f"{first_nine}{check}"


def normalise_issuer(issuer: str) -> str:
    """Trim; a known issuer is spelt one way whatever case it was typed in ("nhs" is NHS)."""
    issuer = issuer.strip()
    return NHS_ISSUER if issuer.upper() == NHS_ISSUER else issuer


def normalise_identifier(identifier: str, issuer: str) -> str:
    """Trim, and drop the spaces people type inside NHS numbers."""
    identifier = identifier.strip()
    if issuer == NHS_ISSUER:
        identifier = identifier.replace(" ", "").replace("-", "")
    return identifier


def validate_issuer(issuer: str) -> None:
    if not _ISSUER.match(issuer):
        raise ValidationError("Issuer must be 1-64 letters, digits, spaces, dots or dashes.")


def validate_identifier(identifier: str, issuer: str) -> None:
    """Raise ValidationError unless `identifier` is valid for `issuer` (already normalised)."""
    if issuer == NHS_ISSUER:
        if not nhs_number_is_valid(identifier):
            raise ValidationError("Not a valid NHS number (10 digits with a correct check digit).")
        return
    if not _GENERIC_IDENTIFIER.match(identifier):
        raise ValidationError(
            "Identifier must be 1-64 letters, digits, spaces or ._/:- and start with a letter or digit."
        )
