"""Whether a configured secret (the secret key, the audit chain key) is too weak to run with.

A secret is refused when it is short, made of few distinct characters, has little entropy for its
length (a phrase, a repeated word), or contains a word that marks a placeholder or a development
value. `secrets.token_urlsafe(50)` or `secrets.token_hex(32)` pass.
"""

import math
from collections import Counter

MIN_LENGTH = 50
MIN_DISTINCT_CHARACTERS = 12
# Shannon entropy of the value's own characters times its length: 64 hex digits give ~250 bits,
# an English phrase of 50 characters ~200, a repeated word far less.
MIN_ESTIMATED_BITS = 230
PLACEHOLDER_WORDS = (
    "changeme",
    "change-me",
    "change_me",
    "insecure",
    "secret",
    "password",
    "example",
    "default",
    "embedded",
    "development",
)


def estimated_bits(value: str) -> float:
    """The value's length times the Shannon entropy of its character frequencies."""
    counts = Counter(value)
    return -sum(n * math.log2(n / len(value)) for n in counts.values())


def secret_weakness(value: str) -> str | None:
    """Why `value` is too weak to be a production secret, or None when it will do."""
    if len(value) < MIN_LENGTH:
        return f"it has {len(value)} characters, fewer than {MIN_LENGTH}"
    lowered = value.lower()
    placeholder = next((word for word in PLACEHOLDER_WORDS if word in lowered), None)
    if placeholder is not None:
        return f"it contains '{placeholder}', the mark of a placeholder"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return "it repeats a few characters"
    if estimated_bits(value) < MIN_ESTIMATED_BITS:
        return "it is not random enough (a phrase or a pattern)"
    return None
