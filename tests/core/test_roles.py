"""Roles grant their permissions, the admin site's grants still apply, and one query tells both."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from screening.core.roles import ROLE_PERMISSIONS, Role, user_role, user_role_names
from tests.factories import UserFactory

WORKLIST = "reading.view_worklist"


def fresh(user):
    """The user as the next request loads it (nothing cached)."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.django_db
def test_a_role_grants_its_permissions_and_nothing_else(radiologist):
    user = fresh(radiologist)
    assert user_role(user) == Role.RADIOLOGIST
    assert user.has_perms(ROLE_PERMISSIONS[Role.RADIOLOGIST])
    assert not user.has_perm("patients.add_patient")
    assert not user.has_perm("core.view_auditevent")


@pytest.mark.django_db
def test_a_user_without_the_role_is_refused_the_worklist(coordinator, client):
    assert not fresh(coordinator).has_perm(WORKLIST)
    client.force_login(coordinator)
    assert client.get(reverse("reading:worklist")).status_code == 403


@pytest.mark.django_db
def test_a_user_with_no_role_holds_no_permission(db):
    user = fresh(UserFactory(username="nobody"))
    assert user_role(user) is None
    assert not user.has_perm(WORKLIST)
    assert user.get_all_permissions() == set()


@pytest.mark.django_db
def test_an_inactive_user_holds_neither_role_nor_permission(radiologist):
    radiologist.is_active = False
    radiologist.save(update_fields=["is_active"])
    user = fresh(radiologist)
    assert user_role_names(user) == set()
    assert not user.has_perm(WORKLIST)


@pytest.mark.django_db
def test_permissions_granted_in_the_admin_site_still_apply(coordinator):
    """Decision 0001: an administrator can grant a user, or a group, something extra."""
    direct = Permission.objects.get(content_type__app_label="core", codename="view_auditevent")
    coordinator.user_permissions.add(direct)
    extra_group = Group.objects.create(name="worklist helpers")
    extra_group.permissions.add(
        Permission.objects.get(content_type__app_label="reading", codename="view_worklist")
    )
    coordinator.groups.add(extra_group)
    user = fresh(coordinator)
    assert user.has_perm("core.view_auditevent")
    assert user.has_perm(WORKLIST)
    assert user.has_perm("patients.add_patient")  # the role's own grants stay
    assert user_role_names(user) == {Role.COORDINATOR}  # a plain group is not a role
    assert user.get_user_permissions() == {"core.view_auditevent"}


@pytest.mark.django_db
def test_roles_and_permissions_of_a_request_cost_one_query(radiologist):
    user = fresh(radiologist)
    with CaptureQueriesContext(connection) as queries:
        assert user_role(user) == Role.RADIOLOGIST
        assert user.has_perm(WORKLIST)
        assert not user.has_perm("patients.add_patient")
        assert user_role(user) == Role.RADIOLOGIST
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_superuser_acts_as_administrator_with_every_permission(db):
    user = fresh(UserFactory(username="root", is_superuser=True))
    assert user_role(user) == Role.ADMIN
    assert user.has_perm(WORKLIST)
    assert ROLE_PERMISSIONS[Role.ADMIN] <= user.get_all_permissions()


def test_the_admin_role_works_the_django_admin_without_being_a_superuser(admin_client_, admin_user):
    assert not admin_user.is_superuser
    for url in ("/admin/", "/admin/campaigns/campaign/", "/admin/core/auditevent/"):
        assert admin_client_.get(url).status_code == 200, url
