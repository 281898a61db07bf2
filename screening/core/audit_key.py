"""The key of the audit chain's HMACs, held outside the database.

`AUDIT_CHAIN_KEY` (production requires it). The embedded default generates a random key once into
`AUDIT_CHAIN_KEY_FILE` (`var/audit_chain.key`, readable by its owner only), so a newcomer's chain is
keyed too. Losing the key loses the ability to verify the chain: back it up apart from the database.
"""

from pathlib import Path

from django.conf import settings

from screening.core.local_secrets import key_generated_once


def audit_chain_key() -> bytes:
    """The configured key, or the local one generated under var/."""
    if settings.AUDIT_CHAIN_KEY:
        return str(settings.AUDIT_CHAIN_KEY).encode()
    return key_generated_once(Path(settings.AUDIT_CHAIN_KEY_FILE))
