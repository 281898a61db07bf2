"""Top-level routes: pages per context, the REST API under /api/v1/, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from screening.campaigns import home_views
from screening.core import auth_views
from screening.core.access import AUTHENTICATED
from screening.statistics import views as statistics_views


class SchemaView(SpectacularAPIView):
    required_permissions = {"*": AUTHENTICATED}


class SwaggerView(SpectacularSwaggerView):
    required_permissions = {"*": AUTHENTICATED}


urlpatterns = [
    path("", home_views.home, name="home"),
    path("statistics/", statistics_views.dashboard, name="statistics"),
    path("statistics/", include("screening.statistics.urls")),
    path("login/", auth_views.login_view, name="login"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("", include("screening.core.urls")),
    path("patients/", include("screening.patients.urls")),
    path("campaigns/", include("screening.campaigns.urls")),
    path("imaging/", include("screening.imaging.urls")),
    path("dicomweb/", include("screening.imaging.dicomweb.urls")),
    path("inference/", include("screening.inference_jobs.urls")),
    path("reading/", include("screening.reading.urls")),
    path("outcomes/", include("screening.outcomes.urls")),
    path("monitoring/", include("screening.monitoring.urls")),
    path("policies/", include("screening.policies.urls")),
    path("promotion/", include("screening.promotion.urls")),
    path("research/", include("screening.research.urls")),
    path("outbound/", include("screening.outbound.urls")),
    path("fhir/", include("screening.fhir.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("screening.config.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
