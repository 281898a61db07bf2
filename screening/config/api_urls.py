"""REST API v1: one router for every context."""

from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import SimpleRouter

router = SimpleRouter()


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (lock-out applies)."""

    permission_classes = ()


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
