"""REST API v1: one router for every context."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from screening.campaigns.api.views import CampaignViewSet, EpisodeViewSet, ProgrammeViewSet
from screening.core.api_token_views import TokenView
from screening.imaging.api.views import StudyViewSet, UploadViewSet
from screening.inference_jobs.api.views import InferenceJobViewSet, StudyResultView
from screening.monitoring.api.views import AlertViewSet, DriftView
from screening.outcomes.api.views import DiagnosisViewSet, EpisodeOutcomeViewSet
from screening.patients.api.views import PatientViewSet
from screening.policies.api.views import ScenarioApplyView, ScenarioListView, SimulateView
from screening.reading.api.views import (
    ArbitrationViewSet,
    EpisodeReportViewSet,
    ReadSlotViewSet,
    WorklistViewSet,
)
from screening.research.api.views import ExportViewSet
from screening.statistics.api.accuracy_views import AccuracyView, OutcomesView, ReadersView
from screening.statistics.api.equity_views import EquityView
from screening.statistics.api.views import BacklogView, KpiBreakdownView, KpiOverviewView

# Path converters (each viewset's lookup_value_converter) make ids integers in URLs and schema.
router = SimpleRouter(use_regex_path=False)
router.register("patients", PatientViewSet, basename="patient")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("episodes", EpisodeViewSet, basename="episode")
router.register("imaging/uploads", UploadViewSet, basename="imaging-upload")
router.register("studies", StudyViewSet, basename="study")
router.register("inference/jobs", InferenceJobViewSet, basename="inference-job")
router.register("reading/worklist", WorklistViewSet, basename="reading-worklist")
router.register("reading/arbitrations", ArbitrationViewSet, basename="reading-arbitration")
router.register("reading/reads", ReadSlotViewSet, basename="read-slot")
router.register("reading/reports", EpisodeReportViewSet, basename="reading-report")
router.register("outcomes/episodes", EpisodeOutcomeViewSet, basename="outcome")
router.register("outcomes/diagnoses", DiagnosisViewSet, basename="diagnosis")
router.register("monitoring/alerts", AlertViewSet, basename="monitoring-alert")
router.register("research/exports", ExportViewSet, basename="research-export")


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("studies/<int:study_id>/ai-result/", StudyResultView.as_view(), name="study-ai-result"),
    path("statistics/kpis/", KpiOverviewView.as_view(), name="statistics-kpis"),
    path("statistics/kpis/<slug:measure>/", KpiBreakdownView.as_view(), name="statistics-kpi"),
    path("statistics/backlog/", BacklogView.as_view(), name="statistics-backlog"),
    path("statistics/outcomes/", OutcomesView.as_view(), name="statistics-outcomes"),
    path("statistics/accuracy/", AccuracyView.as_view(), name="statistics-accuracy"),
    path("statistics/readers/", ReadersView.as_view(), name="statistics-readers"),
    path("monitoring/drift/", DriftView.as_view(), name="monitoring-drift"),
    path("statistics/equity/", EquityView.as_view(), name="statistics-equity"),
    path("policies/simulate/", SimulateView.as_view(), name="policies-simulate"),
    path("policies/scenarios/", ScenarioListView.as_view(), name="policies-scenarios"),
    path(
        "policies/scenarios/<int:scenario_id>/apply/",
        ScenarioApplyView.as_view(),
        name="policies-scenario-apply",
    ),
    path("", include(router.urls)),
]
