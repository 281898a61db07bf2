"""Admin: each programme's promotion criteria (audited changes); the events are kept read-only."""

from django.contrib import admin

from screening.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from screening.promotion.models import PromotionCriteria, PromotionEvent


@admin.register(PromotionCriteria)
class PromotionCriteriaAdmin(AuditedModelAdmin):
    list_display = ["programme", "minimum_studies", "minimum_cancers", "auc_margin"]


@admin.register(PromotionEvent)
class PromotionEventAdmin(ReadOnlyModelAdmin):
    list_display = ["campaign", "kind", "occurred_at", "actor", "from_model", "to_model", "criteria_met"]
