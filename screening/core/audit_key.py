"""The key of the audit chain's HMACs, held outside the database.

`AUDIT_CHAIN_KEY` (production requires it). The embedded default generates a random key once into
`AUDIT_CHAIN_KEY_FILE` (`var/audit_chain.key`, readable by its owner only), so a newcomer's chain is
keyed too. Losing the key loses the ability to verify the chain: back it up apart from the database.
"""

import functools
import os
import secrets
from pathlib import Path

from django.conf import settings


def audit_chain_key() -> bytes:
    """The configured key, or the local one generated under var/."""
    if settings.AUDIT_CHAIN_KEY:
        return str(settings.AUDIT_CHAIN_KEY).encode()
    return _local_key(Path(settings.AUDIT_CHAIN_KEY_FILE))


@functools.cache
def _local_key(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_bytes().strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(key + "\n")
    return key.encode()
