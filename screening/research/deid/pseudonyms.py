"""Keyed pseudonyms (HMAC-SHA256): participant ids, UIDs and per-participant date offsets.

The same key always gives the same pseudonyms, so exports made at different times line up; another
key gives unrelated ones. Nothing of the original value can be read back without the key.
"""

import hashlib
import hmac

# Sixteen consonants: a pseudonym made of them holds no digits (no numeric identifier or date can
# appear in it by chance) and no vowels (no name of four letters or more can be spelled by chance),
# so the package's canary scan never trips over a pseudonym.
_PSEUDONYM_ALPHABET = "BCDFGHJKLMNPQRST"
_PSEUDONYM_BYTES = 10  # 80 bits: 20 characters
# Dates move back by 1 to 10 years, whole days, the same for all of one participant's studies.
_OFFSET_MIN_DAYS, _OFFSET_SPAN_DAYS = 365, 3286


class Pseudonymiser:
    """Pseudonyms derived from one per-installation secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonym key must be at least 16 bytes")
        self._key = key

    def _digest(self, purpose: str, value: str) -> bytes:
        message = f"{purpose}\x00{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def participant(self, participant_id: str) -> str:
        """A stable pseudonym for a participant: 'P' and 20 consonants, no identifying content."""
        digest = self._digest("participant", participant_id)[:_PSEUDONYM_BYTES]
        letters = (_PSEUDONYM_ALPHABET[byte >> 4] + _PSEUDONYM_ALPHABET[byte & 15] for byte in digest)
        return "P" + "".join(letters)

    def uid(self, original: str) -> str:
        """A keyed replacement UID, '2.25.' and a 128-bit integer (at most 44 characters)."""
        number = int.from_bytes(self._digest("uid", original.strip("\x00 "))[:16], "big")
        return f"2.25.{number}"

    def date_offset_days(self, participant_id: str) -> int:
        """Days (negative) that all of this participant's dates move by, keeping their intervals."""
        number = int.from_bytes(self._digest("date-offset", participant_id)[:8], "big")
        return -(_OFFSET_MIN_DAYS + number % _OFFSET_SPAN_DAYS)
