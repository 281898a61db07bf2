"""Settings for the test suite: the base settings with a fast password hasher."""

from screening.config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# A fixed audit key (no file under var/); each test's checkpoints go to its own tmp_path (conftest).
AUDIT_CHAIN_KEY = "test-audit-chain-key"
