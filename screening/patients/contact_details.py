"""UK postcodes and phone numbers: written one way, refused with a clear error when they are not UK ones.

Normalising first means a participant typed ``sw1a1aa`` or ``+44 (0)113 496 0000`` on the form, in
a CSV file or through the API is stored the same: ``SW1A 1AA``, ``0113 496 0000``. Both are
optional: a blank value stays blank.
"""

import re

from django.core.exceptions import ValidationError

POSTCODE_ERROR = "Not a UK postcode: write it like SW1A 1AA."
PHONE_ERROR = "Not a UK phone number: give 10 or 11 digits starting 0, or +44 (e.g. 0113 496 0000)."

# The published shape of UK postcodes (outward code, space, inward code), and the Girobank one.
_POSTCODE = re.compile(
    r"^(GIR 0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" [0-9][ABD-HJLNP-UW-Z]{2})$"
)
# National numbers: geographic (01, 02), non-geographic (03), corporate and VoIP (05), mobile (07),
# freephone and special rates (08), premium (09). Ten digits after the 0, nine for some 01 and 08.
_PHONE = re.compile(r"^0(1[0-9]{8,9}|[23579][0-9]{9}|8[0-9]{8,9})$")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-]")


def postcode_normalised(value: str) -> str:
    """Capitals, and one space before the inward code (its last three characters)."""
    compact = "".join(value.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def validate_postcode(postcode: str) -> None:
    """Raise ValidationError unless a (normalised) postcode is blank or a UK one."""
    if postcode and not _POSTCODE.match(postcode):
        raise ValidationError(POSTCODE_ERROR)


def phone_normalised(value: str) -> str:
    """The national form with its usual spacing (``020 7946 0018``, ``07700 900123``); unknown as typed."""
    digits = _PHONE_PUNCTUATION.sub("", value.strip().replace("(0)", ""))
    for international in ("+44", "0044"):
        if digits.startswith(international):
            digits = "0" + digits[len(international) :]
    if not _PHONE.match(digits):
        return value.strip()
    return " ".join(part for part in _phone_groups(digits) if part)


def _phone_groups(digits: str) -> tuple[str, ...]:
    if digits.startswith("02"):
        return digits[:3], digits[3:7], digits[7:]
    if digits.startswith(("011", "03", "08", "09")) or (digits.startswith("01") and digits[3] == "1"):
        return (digits[:4], digits[4:7], digits[7:]) if len(digits) == 11 else (digits[:4], digits[4:])
    return digits[:5], digits[5:]


def validate_phone(phone: str) -> None:
    """Raise ValidationError unless a (normalised) phone number is blank or a UK one."""
    if phone and not _PHONE.match(phone.replace(" ", "")):
        raise ValidationError(PHONE_ERROR)
