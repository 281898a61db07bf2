"""User management: accounts, roles, passwords, activity and lock-outs, each act audited."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from screening.core import user_services
from screening.core.actors import Actor
from screening.core.models import AuditAction, AuditEvent
from screening.core.roles import Role, role_conflicts, user_role_names
from screening.core.user_selectors import user_is_locked_out, users_with_roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
STRONG = "Glacier-Tulip-Harbour-42"


@pytest.fixture
def admin_actor(admin_user):
    return Actor.for_user(admin_user, ip_address="10.0.0.9")


def _last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-sequence").first()


def _create(admin_actor, **overrides):
    values = {"username": "newreader", "email": "newreader@example.org", "roles": [Role.RADIOLOGIST]}
    return user_services.user_create(actor=admin_actor, password=STRONG, **{**values, **overrides})


def test_an_admin_creates_a_user_with_a_role_and_the_act_is_audited(admin_actor):
    user = _create(admin_actor, first_name="Rosa", last_name="Reader")
    assert user.check_password(STRONG) and user.is_active and not user.is_staff
    assert user_role_names(User.objects.get(pk=user.pk)) == {Role.RADIOLOGIST}
    event = _last_event()
    assert (event.action, event.object_type, event.object_id) == (AuditAction.CREATE, "user", str(user.pk))
    assert (event.actor_username, event.role, event.ip_address) == ("admin", "admin", "10.0.0.9")
    assert event.detail == {"username": "newreader", "roles": ["radiologist"]}
    assert STRONG not in str(event.detail)


@pytest.mark.parametrize(
    "password, message",
    [("short1", "too short"), ("password123", "too common"), ("84736251904", "entirely numeric")],
)
def test_a_weak_password_is_refused_with_the_validators_words_and_nothing_is_stored(
    admin_actor, password, message
):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        user_services.user_create(actor=admin_actor, username="weak", password=password, roles=[Role.AUDITOR])
    assert message in " ".join(error.value.message_dict["password"])
    assert not User.objects.filter(username="weak").exists()
    assert AuditEvent.objects.count() == events


def test_a_password_like_the_username_is_refused(admin_actor):
    with pytest.raises(ValidationError, match="too similar"):
        user_services.user_create(
            actor=admin_actor, username="margaretsmith", password="margaretsmith7", roles=[]
        )


@pytest.mark.parametrize("username", ["ADMIN", "has space", ""])
def test_a_taken_or_malformed_username_is_refused(admin_actor, username):
    with pytest.raises(ValidationError) as error:
        _create(admin_actor, username=username)
    assert "username" in error.value.message_dict


def test_an_unknown_role_is_refused(admin_actor):
    with pytest.raises(ValidationError, match="not a role"):
        _create(admin_actor, roles=["superhero"])


def test_conflicting_roles_are_refused_until_explicitly_confirmed(admin_actor):
    roles = [Role.AUDITOR, Role.RADIOLOGIST]
    with pytest.raises(ValidationError, match="separation of duties") as error:
        _create(admin_actor, roles=roles)
    assert "roles" in error.value.message_dict
    assert not User.objects.filter(username="newreader").exists()
    user = _create(admin_actor, roles=roles, conflicts_confirmed=True)
    assert user_role_names(user) == set(roles)
    assert _last_event().detail["conflicts_confirmed"] == ["auditor+radiologist"]


def test_the_conflicting_combinations_are_declared_and_a_coordinating_radiologist_is_not_one():
    assert [c.key for c in role_conflicts([Role.AUDITOR, Role.RADIOLOGIST])] == ["auditor+radiologist"]
    assert role_conflicts([Role.AUDITOR, Role.COORDINATOR])
    assert role_conflicts([Role.ADMIN, Role.RADIOLOGIST])
    assert role_conflicts([Role.ADMIN, Role.AUDITOR])
    assert role_conflicts([Role.COORDINATOR, Role.RADIOLOGIST]) == []
    assert role_conflicts([Role.ADMIN, Role.COORDINATOR]) == []


def test_the_admin_role_makes_staff_and_losing_it_ends_staff(admin_actor):
    user = _create(admin_actor, roles=[Role.ADMIN])
    assert user.is_staff
    user_services.user_roles_set(actor=admin_actor, user=user, roles=[Role.COORDINATOR])
    user.refresh_from_db()
    assert not user.is_staff and user_role_names(User.objects.get(pk=user.pk)) == {Role.COORDINATOR}
    event = _last_event()
    assert (event.action, event.object_id) == (AuditAction.CHANGE, str(user.pk))
    assert event.detail == {"change": "roles", "added": ["coordinator"], "removed": ["admin"]}


def test_changing_roles_to_a_conflict_needs_confirmation(admin_actor, auditor):
    with pytest.raises(ValidationError, match="separation of duties"):
        user_services.user_roles_set(actor=admin_actor, user=auditor, roles=[Role.AUDITOR, Role.COORDINATOR])
    assert user_role_names(User.objects.get(pk=auditor.pk)) == {Role.AUDITOR}


def test_an_admin_cannot_take_their_own_admin_role_away(admin_actor, admin_user):
    with pytest.raises(ValidationError, match="your own"):
        user_services.user_roles_set(actor=admin_actor, user=admin_user, roles=[Role.COORDINATOR])


def test_a_password_reset_applies_the_validators_and_is_audited_without_the_password(
    admin_actor, coordinator
):
    with pytest.raises(ValidationError, match="too common"):
        user_services.user_password_reset(actor=admin_actor, user=coordinator, password="password123")
    user_services.user_password_reset(actor=admin_actor, user=coordinator, password=STRONG)
    coordinator.refresh_from_db()
    assert coordinator.check_password(STRONG)
    event = _last_event()
    assert event.detail == {"change": "password_reset"} and event.object_id == str(coordinator.pk)


def test_deactivating_and_reactivating_are_audited(admin_actor, coordinator):
    user_services.user_active_set(actor=admin_actor, user=coordinator, active=False)
    coordinator.refresh_from_db()
    assert not coordinator.is_active
    assert _last_event().detail == {"change": "deactivated"}
    user_services.user_active_set(actor=admin_actor, user=coordinator, active=True)
    coordinator.refresh_from_db()
    assert coordinator.is_active and _last_event().detail == {"change": "reactivated"}


def test_an_admin_cannot_deactivate_themselves(admin_actor, admin_user):
    with pytest.raises(ValidationError, match="your own"):
        user_services.user_active_set(actor=admin_actor, user=admin_user, active=False)
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_a_superuser_is_not_managed_from_the_product(admin_actor):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    for act in (
        lambda: user_services.user_password_reset(actor=admin_actor, user=root, password=STRONG),
        lambda: user_services.user_active_set(actor=admin_actor, user=root, active=False),
        lambda: user_services.user_roles_set(actor=admin_actor, user=root, roles=[]),
    ):
        with pytest.raises(ValidationError, match="superuser"):
            act()


def _lock_out(username: str) -> None:
    AccessAttempt.objects.create(
        username=username,
        ip_address="192.0.2.1",
        user_agent="test",
        failures_since_start=5,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )


def test_unlocking_clears_a_lock_out_and_is_audited(admin_actor, coordinator):
    _lock_out("coordinator")
    assert user_is_locked_out(coordinator)
    user_services.user_unlock(actor=admin_actor, user=coordinator)
    assert not user_is_locked_out(coordinator)
    assert not AccessAttempt.objects.filter(username="coordinator").exists()
    assert _last_event().detail == {"change": "unlocked", "attempts_cleared": 1}


def test_the_list_shows_roles_activity_lock_out_and_conflicts(admin_actor, coordinator, auditor):
    _lock_out("auditor")
    user_services.user_roles_set(
        actor=admin_actor, user=auditor, roles=[Role.AUDITOR, Role.COORDINATOR], conflicts_confirmed=True
    )
    rows = {row.user.username: row for row in users_with_roles()}
    assert rows["coordinator"].roles == ["coordinator"] and not rows["coordinator"].locked_out
    assert rows["auditor"].locked_out and rows["auditor"].conflicts
    assert rows["admin"].roles == ["admin"]
