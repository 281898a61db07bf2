"""Settings, URLs, the Celery app and the WSGI/ASGI entry points."""

from screening.config.celery import app as celery_app

__all__ = ["celery_app"]
