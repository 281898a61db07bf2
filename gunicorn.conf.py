"""gunicorn settings: the access log records paths without query strings (searches hold names)."""

wsgi_app = "screening.config.wsgi:application"
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)s'
