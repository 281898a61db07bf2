"""The Django admin changes nothing without an audit event: every registered admin is audited or
read-only, and what the product manages itself (users, roles, lock-outs) is not in the admin."""

import json

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Group, Permission, User
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import Client, RequestFactory

from screening.campaigns.models import Campaign, Programme
from screening.core.admin_audit import AuditedModelAdmin
from screening.core.models import AuditAction, AuditEvent
from tests.factories import CampaignFactory, UserFactory, programme

pytestmark = pytest.mark.django_db
WRITES = ("save_model", "save_related", "delete_model", "delete_queryset")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def root_client(root):
    client = Client(REMOTE_ADDR="10.0.0.5")
    client.force_login(root)
    return client


def _request(user):
    request = RequestFactory().post("/admin/", REMOTE_ADDR="10.0.0.5")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _events_since(sequence: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=sequence).order_by("sequence"))


def _head() -> int:
    last = AuditEvent.objects.order_by("-sequence").first()
    return last.sequence if last else 0


def test_every_registered_admin_audits_its_writes_or_makes_none(root):
    request = _request(root)
    for model, model_admin in admin.site._registry.items():
        writes = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        if not writes:
            continue
        label = model._meta.label
        assert isinstance(model_admin, AuditedModelAdmin), f"{label}'s admin writes without an audit"
        for method in WRITES:
            assert getattr(type(model_admin), method) is getattr(AuditedModelAdmin, method), (
                f"{label}'s admin overrides {method} past the audit"
            )
        # Admin actions other than Django's delete (which goes through delete_queryset) are not audited.
        assert set(model_admin.get_actions(request)) <= {"delete_selected"}, label
        assert not model_admin.inlines, f"{label}: inline formsets are not audited per object"


def test_what_the_product_manages_is_not_in_the_admin():
    for model in (User, Group, AccessAttempt, AccessLog, AccessFailureLog):
        assert model not in admin.site._registry, model._meta.label


def test_campaign_settings_are_read_only_in_the_admin(root_client):
    campaign = CampaignFactory(ai_high_suspicion_threshold=0.5)
    url = f"/admin/campaigns/campaign/{campaign.pk}/change/"
    assert root_client.get(url).status_code == 200  # viewable
    root_client.post(url, {"name": "Renamed", "ai_high_suspicion_threshold": "0.9"})
    campaign.refresh_from_db()
    assert campaign.ai_high_suspicion_threshold == 0.5 and campaign.name != "Renamed"
    assert root_client.post("/admin/campaigns/campaign/add/", {}).status_code == 403
    assert Campaign.objects.count() == 1


def _programme_form(programme: Programme, **changes) -> dict:
    """The admin's change form for the programme as it stands, with `changes` typed in."""
    values = {
        field: getattr(programme, field) for field in ("code", "name", "modality", "min_age", "max_age")
    }
    values["interval_months"] = programme.interval_months
    for field in ("eligible_sexes", "views", "result_categories"):  # callable defaults: initial shown too
        values[field] = values[f"initial-{field}"] = json.dumps(getattr(programme, field))
    if programme.results_per_side:
        values["results_per_side"] = "on"
    return {**values, **changes}


def test_changing_a_programme_in_the_admin_is_audited_with_the_changed_fields(root_client):
    programme = Programme.objects.order_by("pk").first()
    head = _head()
    response = root_client.post(
        f"/admin/campaigns/programme/{programme.pk}/change/",
        _programme_form(programme, max_age=programme.max_age + 1),
    )
    assert response.status_code == 302, response.content[:2000]
    (event,) = _events_since(head)
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.CHANGE,
        "campaigns.programme",
        str(programme.pk),
    )
    assert (event.actor_username, event.ip_address) == ("root", "10.0.0.5")
    assert event.detail == {"via": "django_admin", "changed_fields": ["max_age"]}


def _programme_copies(count: int) -> list[Programme]:
    copies = []
    for n in range(count):
        copy = programme("breast")
        copy.pk, copy.code, copy.name = None, f"copy{n}", f"Copy {n}"
        copy.save()
        copies.append(copy)
    return copies


def test_deleting_in_the_admin_one_or_many_is_audited_per_object(root, root_client):
    copies = _programme_copies(3)
    head = _head()
    response = root_client.post(f"/admin/campaigns/programme/{copies[0].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    programme_admin = admin.site._registry[Programme]
    rest = Programme.objects.filter(pk__in=[p.pk for p in copies[1:]])
    programme_admin.delete_queryset(_request(root), rest)
    events = _events_since(head)
    assert [(e.action, e.object_type) for e in events] == [(AuditAction.DELETE, "campaigns.programme")] * 3
    assert [e.object_id for e in events] == [str(p.pk) for p in copies]
    assert not Programme.objects.filter(code__startswith="copy").exists()


def test_api_tokens_are_not_in_the_admin(root_client):
    """They are listed and revoked on the product's audited API tokens page."""
    assert root_client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert not any(model._meta.model_name == "apitoken" for model in admin.site._registry)


def test_a_many_to_many_change_is_audited_after_it_is_saved(root):
    model_admin = AuditedModelAdmin(Group, AdminSite())
    group = Group.objects.create(name="readers")
    permission = Permission.objects.get(codename="view_campaign")
    request = _request(root)
    form = model_admin.get_form(request, group)(
        {"name": "readers", "permissions": [permission.pk]}, instance=group
    )
    assert form.is_valid(), form.errors
    head = _head()
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    model_admin.save_related(request, form, [], change=True)
    (event,) = _events_since(head)
    assert event.detail == {"via": "django_admin", "changed_fields": ["permissions"]}
    assert list(group.permissions.all()) == [permission]
