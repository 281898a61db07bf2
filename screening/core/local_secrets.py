"""Secrets of the embedded default, generated once into a file under var/ (readable by its owner)."""

import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def key_generated_once(path: Path) -> bytes:
    """The key in `path`, created (random, mode 0600) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once keep the first one's key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip().encode()
    key = secrets.token_hex(KEY_BYTES)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return key.encode()
