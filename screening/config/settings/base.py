"""Settings read from environment variables, with embedded defaults for a newcomer's machine.

With no environment at all the app runs on SQLite under ``var/``, stores files locally and runs
jobs in-process. ``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch to real services.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from screening.config.settings.environment import BASE_DIR, VAR_DIR, env_bool, env_list

SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "embedded-development-key-never-use-in-production-0123456789"
)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "screening.core",
    "screening.patients",
    "screening.campaigns",
    "screening.imaging",
    "screening.inference_jobs",
    "screening.reading",
    "screening.outcomes",
    "screening.statistics",
    "screening.monitoring",
    "screening.policies",
    "screening.promotion",
    "screening.research",
    "screening.outbound",
    "screening.fhir",
    "screening.demo",
]

MIDDLEWARE = [
    # First in, last out: work a request defers runs after its response is sent.
    "screening.core.after_response.AfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "screening.core.session_idle.SessionIdleRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "screening.core.access.DefaultDenyMiddleware",
]

ROOT_URLCONF = "screening.config.urls"
WSGI_APPLICATION = "screening.config.wsgi.application"
ASGI_APPLICATION = "screening.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "screening.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'screening.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the pages' queries do milliseconds of work, but a large cost estimate
    # (a LIMIT over an anti-join) made PostgreSQL spend seconds compiling them (docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo's web process and in-process jobs share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "screening.core.roles.RolePermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session lives SESSION_IDLE_MINUTES after the last request, renewed at most once
# every SESSION_REFRESH_SECONDS (screening.core.session_idle) rather than written on every request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_REFRESH_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# API tokens (screening/core/api_token_services.py): a lifetime, and the idle timeout of a session.
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))
API_TOKEN_IDLE_MINUTES = int(os.environ.get("API_TOKEN_IDLE_MINUTES", str(SESSION_COOKIE_AGE // 60)))

# Lock-out after repeated failures, per username and address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Axes logs each failure and lock-out; what people type as a username can be a participant's name
# or identifier, so it is masked in those log lines (axes' default today, pinned here on purpose).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address"]

# The audit chain is an HMAC chain under a key held outside the database, and signed checkpoints of
# its head go to a file outside it (screening/core/audit_key.py, audit_checkpoints.py). Empty key:
# one is generated once into AUDIT_CHAIN_KEY_FILE (the embedded default; production requires the key).
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "")
AUDIT_CHAIN_KEY_FILE = Path(os.environ.get("AUDIT_CHAIN_KEY_FILE", VAR_DIR / "audit_chain.key"))
# Checkpoints belong to one database: by default beside a SQLite file, or named after the database.
_DATABASE_NAME = str(DATABASES["default"]["NAME"])
AUDIT_CHECKPOINT_PATH = Path(
    os.environ.get("AUDIT_CHECKPOINT_PATH")
    or (
        f"{_DATABASE_NAME}.audit-checkpoints"
        if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        else VAR_DIR / f"audit-checkpoints.{Path(_DATABASE_NAME).name}.log"
    )
)
# A checkpoint after each commit that passes a multiple of this many events (1: every commit).
AUDIT_CHECKPOINT_EVERY = int(os.environ.get("AUDIT_CHECKPOINT_EVERY", "1"))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
WHITENOISE_USE_FINDERS = True
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js for the dashboards, from the installed plotly package (no CDN, no copy in static/).
    "screening.statistics.plotly_static.PlotlyJsFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: CSV imports are parsed from memory up to this size.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024
PATIENT_IMPORT_MAX_BYTES = int(os.environ.get("PATIENT_IMPORT_MAX_BYTES", 64 * 1024 * 1024))
PATIENT_IMPORT_MAX_ROWS = int(os.environ.get("PATIENT_IMPORT_MAX_ROWS", "200000"))
REGISTRY_IMPORT_MAX_BYTES = int(os.environ.get("REGISTRY_IMPORT_MAX_BYTES", 16 * 1024 * 1024))
REGISTRY_IMPORT_MAX_ROWS = int(os.environ.get("REGISTRY_IMPORT_MAX_ROWS", "50000"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "screening.core.api_token_auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["screening.core.access.DeclaredApiPermission"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Screening programme manager API",
    "DESCRIPTION": "Participants, consent, campaigns and episodes of AI-assisted screening.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and its docs page keep the API's default deny (signed-in users only).
    "SERVE_PERMISSIONS": ["screening.core.access.DeclaredApiPermission"],
    # Every operation documents its 400/401/403/404 answers (screening/config/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "screening.config.api_schema.error_responses",
    ],
    # One schema name per choice set, so `check --deploy` (which builds the schema) stays quiet.
    "ENUM_NAME_OVERRIDES": {
        "CampaignStatusEnum": "screening.campaigns.models.CampaignStatus",
        "EpisodeStatusEnum": "screening.campaigns.models.EpisodeStatus",
        "InferenceJobStatusEnum": "screening.inference_jobs.models.JobStatus",
        "ReadSlotStatusEnum": "screening.reading.models.ReadSlotStatus",
        "ExportStatusEnum": "screening.research.models.ExportStatus",
        "InferenceTriageBandEnum": "screening.inference_jobs.models.TriageBand",
        "EpisodeResultEnum": "screening.campaigns.models.EpisodeResult",
        "MonitoringAlertKindEnum": "screening.monitoring.models.AlertKind",
        "PathologyKindEnum": "screening.outcomes.models.PathologyKind",
    },
}

# Background jobs: Celery, inference, research exports, monitoring, outbound (settings/jobs.py).
from screening.config.settings.jobs import *  # noqa: E402, F403

# Application logs carry ids, never names or identifiers of participants.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # pydicom's warnings can quote raw element values (names, identifiers) of a parsed file.
        "pydicom": {"level": "ERROR"},
        # pynetdicom logs every C-FIND identifier and worklist item (names, identifiers) at INFO.
        "pynetdicom": {"level": "WARNING"},
    },
}

# DICOM intake limits: every intake path (upload, C-STORE, STOW-RS, API) refuses what exceeds them.
DICOM_MAX_FILE_BYTES = int(os.environ.get("DICOM_MAX_FILE_BYTES", 256 * 1024 * 1024))
DICOM_MAX_ROWS = 16384
DICOM_MAX_COLUMNS = 16384
DICOM_MAX_FRAMES = 4096
# Rows x columns x frames: bounds what a renderer or AI worker may have to decode.
DICOM_MAX_TOTAL_PIXELS = 2**31
# Calling AE titles the C-STORE listener accepts (comma list; empty: any). Set it in production.
DICOM_ALLOWED_CALLING_AETS = [
    title.strip() for title in os.environ.get("DICOM_ALLOWED_CALLING_AETS", "").split(",") if title.strip()
]
# The C-STORE listener (docs/intake.md): seconds a peer has to send its association request, to
# answer within an association, and for any read; connections in all and per peer address.
DICOM_LISTENER_ACSE_TIMEOUT = float(os.environ.get("DICOM_LISTENER_ACSE_TIMEOUT", 10))
DICOM_LISTENER_DIMSE_TIMEOUT = float(os.environ.get("DICOM_LISTENER_DIMSE_TIMEOUT", 60))
DICOM_LISTENER_NETWORK_TIMEOUT = float(os.environ.get("DICOM_LISTENER_NETWORK_TIMEOUT", 60))
DICOM_LISTENER_MAX_ASSOCIATIONS = int(os.environ.get("DICOM_LISTENER_MAX_ASSOCIATIONS", 32))
# Threads that answer the worklist's queries, each keeping its database connection (worklist_database).
DICOM_WORKLIST_DATABASE_THREADS = int(os.environ.get("DICOM_WORKLIST_DATABASE_THREADS", 4))
DICOM_LISTENER_MAX_ASSOCIATIONS_PER_PEER = int(os.environ.get("DICOM_LISTENER_MAX_ASSOCIATIONS_PER_PEER", 8))
# Listener processes on the port (dicom_listener --processes; imaging/listener_processes.py).
DICOM_LISTENER_PROCESSES = int(os.environ.get("DICOM_LISTENER_PROCESSES", 0) or os.cpu_count() or 1)
# The modality worklist (docs/interoperability.md): the Scheduled Station AE Title of each
# programme modality's items, e.g. "MG=MAMMO1,CT=LDCT1"; a modality not named here is scheduled
# on any station (its items match every station's query).
DICOM_WORKLIST_STATION_AE_TITLES = {
    modality.strip(): title.strip()
    for modality, _, title in (
        pair.partition("=") for pair in os.environ.get("DICOM_WORKLIST_STATION_AE_TITLES", "").split(",")
    )
    if modality.strip() and title.strip()
}
# Per-modality image limits (screening.imaging.image_limits): overrides by modality and key, e.g.
# {"US": {"max_rows": 4096}}; and the most one decoded frame may take (docs/intake.md).
DICOM_IMAGE_LIMITS: dict[str, dict[str, int]] = {}
DICOM_MAX_DECODED_FRAME_BYTES = int(os.environ.get("DICOM_MAX_DECODED_FRAME_BYTES", 64 * 1024 * 1024))
DICOM_ARCHIVE_MAX_ENTRIES = 10_000
DICOM_ARCHIVE_MAX_TOTAL_BYTES = 4 * 1024**3
DICOM_ARCHIVE_MAX_ENTRY_BYTES = DICOM_MAX_FILE_BYTES
DICOM_ARCHIVE_MAX_RATIO = 100
DICOM_ALLOWED_SOP_CLASSES = [
    "1.2.840.10008.5.1.4.1.1.1",  # Computed Radiography
    "1.2.840.10008.5.1.4.1.1.1.1",  # Digital X-Ray, for presentation
    "1.2.840.10008.5.1.4.1.1.1.1.1",  # Digital X-Ray, for processing
    "1.2.840.10008.5.1.4.1.1.1.2",  # Digital Mammography X-Ray, for presentation
    "1.2.840.10008.5.1.4.1.1.1.2.1",  # Digital Mammography X-Ray, for processing
    "1.2.840.10008.5.1.4.1.1.13.1.3",  # Breast Tomosynthesis
    "1.2.840.10008.5.1.4.1.1.13.1.4",  # Breast Projection X-Ray, for presentation
    "1.2.840.10008.5.1.4.1.1.13.1.5",  # Breast Projection X-Ray, for processing
    "1.2.840.10008.5.1.4.1.1.2",  # CT
    "1.2.840.10008.5.1.4.1.1.2.1",  # Enhanced CT
    "1.2.840.10008.5.1.4.1.1.2.2",  # Legacy Converted Enhanced CT
    "1.2.840.10008.5.1.4.1.1.4",  # MR
    "1.2.840.10008.5.1.4.1.1.4.1",  # Enhanced MR
    "1.2.840.10008.5.1.4.1.1.4.3",  # Enhanced MR Color
    "1.2.840.10008.5.1.4.1.1.4.4",  # Legacy Converted Enhanced MR
    "1.2.840.10008.5.1.4.1.1.6.1",  # Ultrasound
    "1.2.840.10008.5.1.4.1.1.3.1",  # Ultrasound Multi-frame
    "1.2.840.10008.5.1.4.1.1.7",  # Secondary Capture
    "1.2.840.10008.5.1.4.1.1.7.1",  # Multi-frame Single Bit Secondary Capture
    "1.2.840.10008.5.1.4.1.1.7.2",  # Multi-frame Grayscale Byte Secondary Capture
    "1.2.840.10008.5.1.4.1.1.7.3",  # Multi-frame Grayscale Word Secondary Capture
    "1.2.840.10008.5.1.4.1.1.7.4",  # Multi-frame True Color Secondary Capture
]
