"""gunicorn settings: the access log records paths without query strings (searches hold names)."""

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
