"""The Celery app: broker from settings; with none configured, tasks run in-process.

Queues: ``inference`` (model workers, GPU or CPU, no database) and ``default`` (everything else);
see docs/jobs.md for the worker commands and the job protocol.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "screening.config.settings.base")

app = Celery("screening")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
