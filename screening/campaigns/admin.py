"""Admin: programmes (audited changes) and campaigns (read-only: settings have their own page);
episodes move only through the audited services."""

from django.contrib import admin

from screening.campaigns.models import Campaign, Programme
from screening.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "modality", "min_age", "max_age", "interval_months"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "programme", "site", "start_date", "end_date", "status"]
    list_filter = ["programme", "status"]
