"""Production settings: refuse to start without a secret, allowed hosts and a real database."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from screening.config.secret_strength import secret_weakness
from screening.config.settings.base import *  # noqa: F403
from screening.config.settings.base import DATABASES, env_list


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    return value


def _strong_secret(name: str) -> str:
    value = _required(name)
    weakness = secret_weakness(value)
    if weakness is not None:
        raise ImproperlyConfigured(
            f"{name} must be a random value of 50 characters or more "
            f"(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'): {weakness}."
        )
    return value


SECRET_KEY = _strong_secret("DJANGO_SECRET_KEY")
_required("DJANGO_ALLOWED_HOSTS")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
# Empty (e.g. ","): every request would be refused; a "*" would answer for any Host header, which
# poisons the links in password-reset mails and cache keys.
if not ALLOWED_HOSTS or any("*" in host for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's hosts, comma-separated (no '*').")
# The audit chain's key and checkpoints live outside the database, in places the site chose.
AUDIT_CHAIN_KEY = _strong_secret("AUDIT_CHAIN_KEY")
if AUDIT_CHAIN_KEY == SECRET_KEY:
    raise ImproperlyConfigured("AUDIT_CHAIN_KEY must differ from DJANGO_SECRET_KEY.")
AUDIT_CHECKPOINT_PATH = Path(_required("AUDIT_CHECKPOINT_PATH"))
_required("DATABASE_URL")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs PostgreSQL: DATABASE_URL=postgres://...")

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])


def _names_a_site(origin: str) -> bool:
    """`https://host` or `https://*.example.org` (subdomains of one domain), never any host."""
    host = origin.partition("://")[2]
    if not host.startswith("*."):
        return bool(host) and "*" not in host
    domain = host.removeprefix("*.")
    return "*" not in domain and "." in domain.strip(".")


if not all(_names_a_site(origin) for origin in CSRF_TRUSTED_ORIGINS):
    raise ImproperlyConfigured(
        "DJANGO_CSRF_TRUSTED_ORIGINS must name the sites' origins (https://host), not any host."
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Research exports: every worker must use the same pseudonym key, so production takes it from the
# environment only (an export fails with a clear error without it) and never generates one in var/.
RESEARCH_PSEUDONYM_KEY_FILE = None
