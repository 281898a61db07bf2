"""gunicorn settings: the access log records paths without query strings (searches hold names)."""

import gc
import os

wsgi_app = "screening.config.wsgi:application"
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)s'
# A 100 000-row participant import is confirmed in one request (about 20 s on PostgreSQL).
timeout = 120
# Requests are mostly Python work under one GIL per process (DICOM intake parses, hashes and
# validates), so processes give the parallelism: the usual 2 x CPUs + 1, with two threads each to
# overlap database and disk waits. WEB_CONCURRENCY / GUNICORN_THREADS override them.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))


def post_worker_init(worker: object) -> None:
    """Import the URL configuration (and the views, serializers and model registry it reaches) as a
    worker starts rather than in its first request, which otherwise waited a second or more; then
    leave what start-up made out of garbage collection (`gc.freeze`): a full collection no longer
    walks the hundreds of thousands of objects of Django, the models and the URL configuration,
    which added 2-4 ms to the slowest worklist requests."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the import is the point)
    gc.freeze()
