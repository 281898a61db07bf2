"""The installation's secret for keyed pseudonyms: the setting, or a key generated once into var/."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
MIN_KEY_BYTES = 16  # what the Pseudonymiser accepts


def pseudonym_key() -> bytes:
    """RESEARCH_PSEUDONYM_KEY, or (embedded default) the key in RESEARCH_PSEUDONYM_KEY_FILE, created
    on first use; the same key gives the same pseudonyms in every export."""
    configured = settings.RESEARCH_PSEUDONYM_KEY.strip()
    if configured:
        if len(configured.encode()) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(f"RESEARCH_PSEUDONYM_KEY must be at least {MIN_KEY_BYTES} bytes.")
        return configured.encode()
    key_file = settings.RESEARCH_PSEUDONYM_KEY_FILE
    if key_file is None:
        raise ImproperlyConfigured("RESEARCH_PSEUDONYM_KEY must be set to run research exports.")
    return _key_from_file(Path(key_file))


def _key_from_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two workers starting at once keep the first one's key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip().encode()
    key = secrets.token_hex(KEY_BYTES)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return key.encode()
