"""API tokens: issued at `/api/v1/auth/token/` for a username and password, ended there by the
script holding one (DELETE), and listed and revoked on the tokens page."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from screening.core.access import AUTHENTICATED, DeclaredApiPermission, require_permission
from screening.core.actors import Actor, client_ip
from screening.core.api_token_selectors import api_token_get, api_token_is_live, api_tokens_listed
from screening.core.api_token_services import api_token_issue, api_token_revoke
from screening.core.models import ApiToken


@extend_schema(tags=["auth"])
class TokenView(APIView):
    """POST: exchange a username and password for an API token (lock-out applies); it expires and
    idles out (`expires_at` in the answer). DELETE: end the token this request presents."""

    required_permissions = {"delete": AUTHENTICATED}

    def get_permissions(self) -> list[Any]:
        request = getattr(self, "request", None)
        return [] if request is not None and request.method == "POST" else [DeclaredApiPermission()]

    def get_authenticators(self) -> list[Any]:
        # The credentials are in the body: a stale token or session must not stand in the way.
        request = getattr(self, "request", None)  # None while the schema is generated
        return [] if request is not None and request.method == "POST" else super().get_authenticators()

    @extend_schema(
        auth=[],
        request=AuthTokenSerializer,
        responses=inline_serializer(
            "IssuedToken", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
        ),
    )
    def post(self, request: Request) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        issued = api_token_issue(actor=Actor.for_user(user, ip_address=client_ip(request)), user=user)
        return Response({"token": issued.key, "expires_at": issued.token.expires_at})

    @extend_schema(
        responses={
            204: OpenApiResponse(description="The token is revoked."),
            400: OpenApiResponse(description="The request presents no token (a session cannot end one)."),
        }
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            return Response({"detail": "Present the token to revoke."}, status=status.HTTP_400_BAD_REQUEST)
        api_token_revoke(actor=Actor.from_request(request), token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


@require_permission(AUTHENTICATED)
def api_tokens(request: HttpRequest) -> HttpResponse:
    """One's API tokens (everyone's for a user administrator): live, expired or revoked."""
    now = timezone.now()
    listed = api_tokens_listed(actor=Actor.from_request(request))
    rows = [{"token": token, "live": api_token_is_live(token, now)} for token in listed]
    all_users = request.user.has_perm("auth.change_user")
    lifetime = {"ttl_hours": settings.API_TOKEN_TTL_HOURS, "idle_minutes": settings.API_TOKEN_IDLE_MINUTES}
    return render(request, "core/api_tokens.html", {"rows": rows, "all_users": all_users, **lifetime})


@require_POST
@require_permission(AUTHENTICATED)
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = api_token_get(user=request.user, token_id=token_id)
    api_token_revoke(actor=Actor.from_request(request), token=token)
    messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("core:api_tokens")
