"""The Django admin's writes, audited: every registered admin derives from one of these two bases.

`AuditedModelAdmin` records each add, change (many-to-many included, once they are saved) and
delete, one by one or by the bulk delete action, with the names of the changed fields (never
their values: a token's key or a setting typed by mistake stays out of the trail). An admin that
must not change anything derives from `ReadOnlyModelAdmin`. tests/core/test_admin_audit.py walks
the registry to keep it so.
"""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from screening.core.actors import Actor
from screening.core.audit_services import AuditEntry, audit_record, audit_record_many
from screening.core.models import AuditAction

VIA = "django_admin"


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every add, change and delete appends an audit event in the same transaction."""

    def audit_object_id(self, obj: Model) -> str:
        """The id the trail names the object by (an admin whose key is a secret names another)."""
        return str(obj.pk)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Declared here so that no admin overrides it past the audit (the registry test checks)."""
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Audited here, after save_model, once the many-to-many fields are written too."""
        super().save_related(request, form, formsets, change)
        changed = list(form.changed_data)
        for formset in formsets:
            if formset.has_changed():
                changed.append(formset.prefix)
        audit_record(
            actor=Actor.from_request(request),
            action=AuditAction.CHANGE if change else AuditAction.CREATE,
            object_type=self.model._meta.label_lower,
            object_id=self.audit_object_id(form.instance),
            detail={"via": VIA, "changed_fields": changed},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            object_id = self.audit_object_id(obj)
            super().delete_model(request, obj)
            audit_record(
                actor=Actor.from_request(request),
                action=AuditAction.DELETE,
                object_type=self.model._meta.label_lower,
                object_id=object_id,
                detail={"via": VIA},
            )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            entries = [
                AuditEntry(
                    AuditAction.DELETE,
                    self.model._meta.label_lower,
                    self.audit_object_id(obj),
                    detail={"via": VIA},
                )
                for obj in queryset
            ]
            super().delete_queryset(request, queryset)
            audit_record_many(actor=Actor.from_request(request), entries=entries)


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Shown in the admin, changed only through the product's audited services."""

    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
