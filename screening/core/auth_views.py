"""Log-in, failed log-in and log-out, audited; lock-out after repeated failures is django-axes' work."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from screening.core.access import AUTHENTICATED, public, require_permission
from screening.core.actors import Actor
from screening.core.session_services import login_failure_record, login_record, logout_record


class AuditedLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        login_record(actor=Actor.from_request(self.request))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        login_failure_record(actor=Actor.from_request(self.request))
        return super().form_invalid(form)


login_view = public(AuditedLoginView.as_view())  # type: ignore[arg-type]


@require_permission(AUTHENTICATED)
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout_record(actor=Actor.from_request(request))
    return auth_views.LogoutView.as_view()(request)
