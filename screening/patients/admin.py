"""Admin: participants are read-only here; they are changed through the audited pages and API."""

from django.contrib import admin

from screening.patients.models import ConsentEvent, Patient


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Patient)
class PatientAdmin(ReadOnlyAdmin):
    list_display = ["id", "issuer", "created_at", "opted_out_at"]


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "patient_id", "scope", "action", "occurred_at", "method"]
    list_filter = ["scope", "action"]
