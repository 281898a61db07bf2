"""Log-in, failed log-in and log-out, audited; lock-out after repeated failures is django-axes' work."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from screening.core.access import AUTHENTICATED, public, require_permission
from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome


class AuditedLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(actor=Actor.from_request(self.request), action=AuditAction.LOGIN, object_type="session")
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        # The typed username is not kept: people type names and identifiers into that box too.
        audit_record(
            actor=Actor.from_request(self.request),
            action=AuditAction.LOGIN_FAILED,
            object_type="session",
            outcome=AuditOutcome.FAILED,
        )
        return super().form_invalid(form)


login_view = public(AuditedLoginView.as_view())  # type: ignore[arg-type]


@require_permission(AUTHENTICATED)
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        audit_record(actor=Actor.from_request(request), action=AuditAction.LOGOUT, object_type="session")
    return auth_views.LogoutView.as_view()(request)
