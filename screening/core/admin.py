"""The Django admin: what it shows, and what it leaves to the product's own audited pages.

Every registered admin derives from `AuditedModelAdmin` or `ReadOnlyModelAdmin`
(screening/core/admin_audit.py). Users, roles (groups) and django-axes' lock-outs are managed on
the product's *Users* pages, which audit each act, so they are taken out of the admin here; API
tokens are listed and revoked on the product's *API tokens* page.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from screening.core.admin_audit import ReadOnlyModelAdmin
from screening.core.models import AuditEvent

for managed_in_the_product in (get_user_model(), Group, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(managed_in_the_product):
        admin.site.unregister(managed_in_the_product)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """Read-only: the trail is appended by services, never edited."""

    list_display = [
        "sequence",
        "occurred_at",
        "actor_username",
        "role",
        "action",
        "object_type",
        "object_id",
        "outcome",
    ]
    list_filter = ["action", "outcome", "object_type"]
    search_fields = ["actor_username", "object_id"]
