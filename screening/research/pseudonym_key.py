"""The installation's secret for keyed pseudonyms: the setting, or a key generated once into var/."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from screening.core.local_secrets import key_generated_once

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
    return key_generated_once(Path(key_file))
