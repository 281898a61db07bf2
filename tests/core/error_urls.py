"""The site's routes plus one that fails, to see the server error page a person gets."""

from django.urls import path

from screening.config.urls import urlpatterns as site_urlpatterns
from screening.core.access import public


@public
def broken_page(request):
    raise RuntimeError("a deliberate failure")


urlpatterns = [*site_urlpatterns, path("broken/", broken_page)]
