"""Background jobs' settings: Celery, inference, research exports, monitoring, results to the PACS.

Read from environment variables with embedded defaults, as in base.py (which imports them all).
"""

import os
from pathlib import Path

from screening.config.settings.environment import BASE_DIR, VAR_DIR

# And one every this many seconds from celery beat, whatever the count (core.audit_checkpoint).
AUDIT_CHECKPOINT_SECONDS = float(os.environ.get("AUDIT_CHECKPOINT_SECONDS", "300"))
# Celery: no broker configured means jobs run in-process (the embedded default). Inference tasks
# run on the `inference` queue (GPU/CPU workers, no database); everything else on `default`.
# Time limits stay below the broker's visibility timeout, so a message is not handed to a second
# worker while the first is still within its limits. See docs/jobs.md.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"inference_jobs.inference_run": {"queue": "inference"}}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # How often a worker looks for messages whose worker vanished (past the visibility timeout).
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "unacked_restore_interval": int(os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
        "unacked_restore_throttle": int(os.environ.get("CELERY_UNACKED_RESTORE_THROTTLE", "6")),
    }
INFERENCE_TASK_TIME_LIMIT = int(os.environ.get("INFERENCE_TASK_TIME_LIMIT", "900"))
INFERENCE_TASK_SOFT_TIME_LIMIT = int(os.environ.get("INFERENCE_TASK_SOFT_TIME_LIMIT", "840"))
# A running job whose worker has not finished within the lease is re-dispatched by the sweeper.
INFERENCE_LEASE_SECONDS = int(os.environ.get("INFERENCE_LEASE_SECONDS", str(INFERENCE_TASK_TIME_LIMIT + 120)))
# A queued job dispatched this long ago and never started: its message is presumed lost.
INFERENCE_DISPATCH_TIMEOUT_SECONDS = int(os.environ.get("INFERENCE_DISPATCH_TIMEOUT_SECONDS", "1800"))
INFERENCE_MAX_ATTEMPTS = int(os.environ.get("INFERENCE_MAX_ATTEMPTS", "3"))
INFERENCE_RETRY_BACKOFF_SECONDS = float(os.environ.get("INFERENCE_RETRY_BACKOFF_SECONDS", "10"))
INFERENCE_RETRY_BACKOFF_MAX_SECONDS = float(os.environ.get("INFERENCE_RETRY_BACKOFF_MAX_SECONDS", "300"))
INFERENCE_SWEEP_SECONDS = float(os.environ.get("INFERENCE_SWEEP_SECONDS", "30"))
INFERENCE_MODEL_ROOT = Path(os.environ.get("INFERENCE_MODEL_ROOT", BASE_DIR / "models"))
# Torch threads per inference worker process (0: torch's default, one per core). On a CPU give each
# of N worker processes cores / N, so that processes do not oversubscribe the cores.
INFERENCE_TORCH_THREADS = int(os.environ.get("INFERENCE_TORCH_THREADS", "0"))
# Studies of a message decoded and preprocessed ahead of the one being scored, in a background
# thread of each worker process (0: one after the other). Each holds its model inputs in memory.
INFERENCE_PREFETCH_STUDIES = int(os.environ.get("INFERENCE_PREFETCH_STUDIES", "1"))
# Jobs dispatched together share broker messages of up to this many jobs and about this many images
# (split evenly; a CT volume of 64 slices travels in twos); the task's time limits apply to a message.
INFERENCE_JOBS_PER_MESSAGE = int(os.environ.get("INFERENCE_JOBS_PER_MESSAGE", "8"))
INFERENCE_IMAGES_PER_MESSAGE = int(os.environ.get("INFERENCE_IMAGES_PER_MESSAGE", "128"))
# Inference workers without the shared media folder (docs/jobs.md, "Where each process runs"): a
# worker whose MEDIA_ROOT lacks a job's files fetches them from the web side at INFERENCE_WEB_URL
# with the job's signed token (its lifetime: by default the dispatch timeout, lease and retry backoff
# together; its key: INFERENCE_FETCH_KEY, default SECRET_KEY), with retries, each try up to a timeout.
INFERENCE_WEB_URL = os.environ.get("INFERENCE_WEB_URL", "")
INFERENCE_FETCH_KEY = os.environ.get("INFERENCE_FETCH_KEY", "")
INFERENCE_FETCH_TOKEN_SECONDS = int(os.environ.get("INFERENCE_FETCH_TOKEN_SECONDS", "0")) or int(
    INFERENCE_DISPATCH_TIMEOUT_SECONDS + INFERENCE_LEASE_SECONDS + INFERENCE_RETRY_BACKOFF_MAX_SECONDS
)
INFERENCE_FETCH_RETRIES = int(os.environ.get("INFERENCE_FETCH_RETRIES", "4"))
INFERENCE_FETCH_TIMEOUT_SECONDS = float(os.environ.get("INFERENCE_FETCH_TIMEOUT_SECONDS", "30"))
# A CT study is a volume when one series has at least this many evenly spaced slices.
INFERENCE_CT_MIN_SLICES = int(os.environ.get("INFERENCE_CT_MIN_SLICES", "16"))
# Research exports (docs/research-exports.md): packages are built under this root (a temporary
# folder per attempt, renamed into place when verified) and removed RESEARCH_EXPORT_RETENTION_DAYS
# after they are ready. The pseudonym key is the installation's secret for keyed pseudonyms: from
# the environment, or generated once into var/ for the embedded default.
RESEARCH_EXPORT_ROOT = Path(os.environ.get("RESEARCH_EXPORT_ROOT", VAR_DIR / "research_exports"))
RESEARCH_EXPORT_RETENTION_DAYS = int(os.environ.get("RESEARCH_EXPORT_RETENTION_DAYS", "30"))
RESEARCH_PSEUDONYM_KEY = os.environ.get("RESEARCH_PSEUDONYM_KEY", "")
RESEARCH_PSEUDONYM_KEY_FILE: Path | None = VAR_DIR / "research_pseudonym.key"
# A running export whose worker has not reported for this long is queued again by the sweeper.
RESEARCH_EXPORT_LEASE_SECONDS = int(os.environ.get("RESEARCH_EXPORT_LEASE_SECONDS", "900"))
RESEARCH_EXPORT_MAX_ATTEMPTS = int(os.environ.get("RESEARCH_EXPORT_MAX_ATTEMPTS", "3"))
RESEARCH_EXPORT_SWEEP_SECONDS = float(os.environ.get("RESEARCH_EXPORT_SWEEP_SECONDS", "300"))
# AI monitoring's alert limits, CUSUM run length and beat schedule: docs/monitoring.md.
MONITORING_MIN_RESULTS = int(os.environ.get("MONITORING_MIN_RESULTS", "200"))
MONITORING_MAX_FAILED_SHARE = float(os.environ.get("MONITORING_MAX_FAILED_SHARE", "0.05"))
MONITORING_CUSUM_ARL0 = float(os.environ.get("MONITORING_CUSUM_ARL0", "5000"))
MONITORING_EVALUATE_SECONDS = float(os.environ.get("MONITORING_EVALUATE_SECONDS", "86400"))
# Results to the PACS (docs/outbound.md): C-STORE as this AE title; retries back off (base, cap).
OUTBOUND_CALLING_AE_TITLE = os.environ.get("OUTBOUND_CALLING_AE_TITLE", "SCREENING")
OUTBOUND_MAX_ATTEMPTS = int(os.environ.get("OUTBOUND_MAX_ATTEMPTS", "5"))
OUTBOUND_RETRY_BACKOFF_SECONDS = float(os.environ.get("OUTBOUND_RETRY_BACKOFF_SECONDS", "30"))
OUTBOUND_RETRY_BACKOFF_MAX_SECONDS = float(os.environ.get("OUTBOUND_RETRY_BACKOFF_MAX_SECONDS", "3600"))
# Outbound jobs sent by one task over the same associations (job_services.jobs_dispatch_on_commit).
OUTBOUND_SEND_BATCH = int(os.environ.get("OUTBOUND_SEND_BATCH", "20"))
OUTBOUND_SWEEP_SECONDS = float(os.environ.get("OUTBOUND_SWEEP_SECONDS", "30"))
CELERY_BEAT_SCHEDULE = {
    "monitoring": {"task": "monitoring.monitoring_evaluate", "schedule": MONITORING_EVALUATE_SECONDS},
    "outbound-sweep": {"task": "outbound.jobs_sweep", "schedule": OUTBOUND_SWEEP_SECONDS},
    "inference-sweep": {"task": "inference_jobs.jobs_sweep", "schedule": INFERENCE_SWEEP_SECONDS},
    "research-exports-sweep": {"task": "research.exports_sweep", "schedule": RESEARCH_EXPORT_SWEEP_SECONDS},
    "audit-checkpoint": {"task": "core.audit_checkpoint", "schedule": AUDIT_CHECKPOINT_SECONDS},
}
