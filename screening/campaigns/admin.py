"""Admin: programmes and campaign settings; episodes move only through the audited services."""

from django.contrib import admin

from screening.campaigns.models import Campaign, Programme


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "modality", "min_age", "max_age", "interval_months"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "site", "start_date", "end_date", "status"]
    list_filter = ["programme", "status"]
    filter_horizontal = ["assigned_staff"]
    readonly_fields = ["status", "created_by"]
