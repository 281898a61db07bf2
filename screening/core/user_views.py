"""User management pages for administrators: fetch, call a service, render."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from screening.core import user_services
from screening.core.access import require_permission
from screening.core.actors import Actor
from screening.core.form_errors import add_service_errors, message_service_error
from screening.core.user_forms import PasswordForm, RolesForm, UserCreateForm
from screening.core.user_selectors import user_get, user_row, users_with_roles


@require_permission("auth.view_user")
def user_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/users/list.html", {"rows": users_with_roles()})


@require_permission("auth.add_user")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {key: value for key, value in form.cleaned_data.items() if key != "password_again"}
        try:
            user = user_services.user_create(actor=Actor.from_request(request), **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"User {user.get_username()} created.")
            return redirect("core:users")
    return render(request, "core/users/create.html", {"form": form})


@require_permission("auth.change_user")
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """One account: its state, its roles (changed here), and the links to its other acts."""
    user = user_get(user_id=user_id)
    row = user_row(user=user)
    form = RolesForm(request.POST or None, initial={"roles": row.roles})
    if request.method == "POST" and form.is_valid():
        try:
            user_services.user_roles_set(actor=Actor.from_request(request), user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Roles saved.")
            return redirect("core:user_detail", user.pk)
    return render(request, "core/users/detail.html", {"row": row, "form": form})


@require_permission("auth.change_user")
def user_password(request: HttpRequest, user_id: int) -> HttpResponse:
    user = user_get(user_id=user_id)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"]
        try:
            user_services.user_password_reset(actor=Actor.from_request(request), user=user, password=password)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if user.pk == request.user.pk:
                update_session_auth_hash(request, user)  # keep the administrator signed in
            messages.success(request, f"Password of {user.get_username()} reset.")
            return redirect("core:user_detail", user.pk)
    return render(request, "core/users/password.html", {"account": user, "form": form})


@require_POST
@require_permission("auth.change_user")
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    user = user_get(user_id=user_id)
    active = request.POST.get("active", "")
    if active not in ("true", "false"):
        messages.error(request, "Choose to deactivate or reactivate the account.")
        return redirect("core:user_detail", user.pk)
    try:
        user_services.user_active_set(actor=Actor.from_request(request), user=user, active=active == "true")
    except ValidationError as error:
        message_service_error(request, error)
    else:
        messages.success(request, f"Account {'reactivated' if active == 'true' else 'deactivated'}.")
    return redirect("core:user_detail", user.pk)


@require_POST
@require_permission("auth.change_user")
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    user = user_get(user_id=user_id)
    user_services.user_unlock(actor=Actor.from_request(request), user=user)
    messages.success(request, f"Failed log-ins of {user.get_username()} cleared: the account is unlocked.")
    return redirect("core:user_detail", user.pk)
