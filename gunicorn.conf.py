"""gunicorn settings: the access log records paths without query strings (searches hold names)."""

wsgi_app = "screening.config.wsgi:application"
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)s'
# A 100 000-row participant import is confirmed in one request (about 20 s on PostgreSQL).
timeout = 120
