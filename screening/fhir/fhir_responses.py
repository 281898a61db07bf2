"""FHIR answers: resources and search Bundles as application/fhir+json, errors as OperationOutcome,
and the base view every FHIR endpoint shares (the API's authentication and default deny)."""

from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpResponse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from screening.fhir.search_params import SearchError

FHIR_JSON = "application/fhir+json"
ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported"}


class FhirJsonRenderer(JSONRenderer):
    media_type = FHIR_JSON


class FhirNegotiation(BaseContentNegotiation):
    """Every answer is FHIR JSON, whatever the Accept header asks; no request body is read."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


def resource_response(resource: Resource, status: int = 200) -> HttpResponse:
    return HttpResponse(resource.model_dump_json(), status=status, content_type=f"{FHIR_JSON}; charset=utf-8")


def outcome_response(status: int, diagnostics: str) -> HttpResponse:
    """An OperationOutcome with one error issue, coded for the HTTP status."""
    outcome = OperationOutcome.model_validate(
        {
            "issue": [
                {
                    "severity": "error",
                    "code": ISSUE_CODES.get(status, "processing"),
                    "diagnostics": diagnostics[:300],
                }
            ]
        }
    )
    return resource_response(outcome, status)


def searchset(request: Request, resources: Iterable[Resource]) -> Bundle:
    """A search result Bundle: each resource with its full URL, and the search's own link."""
    base = request.build_absolute_uri("/fhir/")
    return Bundle.model_validate(
        {
            "type": "searchset",
            "link": [{"relation": "self", "url": request.build_absolute_uri()}],
            "entry": [
                {
                    "fullUrl": f"{base}{resource.get_resource_type()}/{resource.id}",
                    "resource": resource,
                    "search": {"mode": "match"},
                }
                for resource in resources
            ],
        }
    )


class FhirView(APIView):
    """A read-only FHIR endpoint: token (or session) authentication and declared permissions like
    the API; every error, refusals included, answered as an OperationOutcome."""

    renderer_classes = [FhirJsonRenderer]
    parser_classes: list[Any] = []
    content_negotiation_class = FhirNegotiation

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, SearchError):
            return outcome_response(400, str(exc))
        response = super().handle_exception(exc)  # DRF's statuses (401, 403, 404, 405); others raise
        diagnostics = _diagnostics(exc, response.status_code)
        answer = outcome_response(response.status_code, diagnostics)
        if "WWW-Authenticate" in response:
            answer["WWW-Authenticate"] = response["WWW-Authenticate"]
        return answer


def _diagnostics(exc: Exception, status: int) -> str:
    if isinstance(exc, Http404) or status == 404:
        return "No such resource."
    detail = getattr(exc, "detail", None)
    return str(detail) if detail else "The request was refused."
