"""The user management pages: an admin creates, resets, deactivates, unlocks and re-roles users."""

from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from screening.core.models import AuditEvent
from screening.core.roles import Role, user_role_names

pytestmark = pytest.mark.django_db
User = get_user_model()
STRONG = "Glacier-Tulip-Harbour-42"


def page_text(response) -> str:
    return unescape(response.content.decode())


def _create_form(**overrides):
    return {
        "username": "newcoordinator",
        "first_name": "Nia",
        "last_name": "Coordinator",
        "email": "nia@example.org",
        "roles": ["coordinator"],
        "password": STRONG,
        "password_again": STRONG,
        **overrides,
    }


def test_the_django_admin_could_not_add_a_user_so_the_product_does(admin_client_):
    response = admin_client_.post(reverse("core:user_create"), _create_form())
    user = User.objects.get(username="newcoordinator")
    assert response.status_code == 302 and response.headers["Location"] == reverse("core:users")
    assert user.check_password(STRONG) and user_role_names(user) == {Role.COORDINATOR}


def test_the_list_shows_each_user_with_roles_and_state(admin_client_, coordinator, auditor):
    text = page_text(admin_client_.get(reverse("core:users")))
    assert "coordinator" in text and "Screening coordinator" in text and "Auditor" in text
    assert "Active" in text


def test_a_weak_password_shows_the_validators_errors_and_creates_nobody(admin_client_):
    response = admin_client_.post(
        reverse("core:user_create"), _create_form(password="password123", password_again="password123")
    )
    assert response.status_code == 200
    assert "This password is too common." in page_text(response)
    assert not User.objects.filter(username="newcoordinator").exists()


def test_mismatched_passwords_are_refused(admin_client_):
    response = admin_client_.post(reverse("core:user_create"), _create_form(password_again=STRONG + "x"))
    assert "The two passwords differ." in page_text(response)
    assert not User.objects.filter(username="newcoordinator").exists()


def test_conflicting_roles_warn_and_save_only_with_the_confirmation(admin_client_):
    form = _create_form(roles=["auditor", "radiologist"])
    response = admin_client_.post(reverse("core:user_create"), form)
    assert response.status_code == 200 and "separation of duties" in page_text(response)
    assert not User.objects.filter(username="newcoordinator").exists()
    response = admin_client_.post(reverse("core:user_create"), {**form, "conflicts_confirmed": "on"})
    assert response.status_code == 302
    assert user_role_names(User.objects.get(username="newcoordinator")) == {Role.AUDITOR, Role.RADIOLOGIST}


def test_resetting_a_password_through_the_page(admin_client_, coordinator):
    url = reverse("core:user_password", args=[coordinator.pk])
    assert "too short" in page_text(admin_client_.post(url, {"password": "a1", "password_again": "a1"}))
    response = admin_client_.post(url, {"password": STRONG, "password_again": STRONG})
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.check_password(STRONG)


def test_resetting_ones_own_password_keeps_one_signed_in(admin_client_, admin_user):
    admin_client_.post(
        reverse("core:user_password", args=[admin_user.pk]), {"password": STRONG, "password_again": STRONG}
    )
    assert admin_client_.get(reverse("core:users")).status_code == 200


def test_changing_roles_through_the_page(admin_client_, coordinator):
    url = reverse("core:user_detail", args=[coordinator.pk])
    response = admin_client_.post(url, {"roles": ["coordinator", "radiologist"]})
    assert response.status_code == 302
    assert user_role_names(User.objects.get(pk=coordinator.pk)) == {Role.COORDINATOR, Role.RADIOLOGIST}


def test_deactivating_oneself_is_refused_with_a_message(admin_client_, admin_user):
    response = admin_client_.post(
        reverse("core:user_active", args=[admin_user.pk]), {"active": "false"}, follow=True
    )
    assert "your own" in page_text(response)
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_deactivating_another_user_logs_them_out(admin_client_, coordinator_client, coordinator):
    admin_client_.post(reverse("core:user_active", args=[coordinator.pk]), {"active": "false"})
    assert coordinator_client.get(reverse("patients:list")).status_code == 302


def test_unlock_through_the_page_is_audited(admin_client_, coordinator):
    admin_client_.post(reverse("core:user_unlock", args=[coordinator.pk]))
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.detail["change"] == "unlocked" and event.object_id == str(coordinator.pk)


def test_only_admins_see_users_in_the_navigation(admin_client_, coordinator_client):
    assert 'href="/users/"' in admin_client_.get("/").content.decode()
    assert 'href="/users/"' not in coordinator_client.get("/").content.decode()
