"""Read-only FHIR R4 endpoints under /fhir/: read by id and search, thin over the FHIR selectors.

Who may read what follows the API: Patient needs the coordinator's right to manage participants;
ImagingStudy the right to view studies; DiagnosticReport and Observation the right to view read
reports. Ids this server never issues, and resources outside the user's scope, are 404s.
"""

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from screening.core.actors import Actor
from screening.fhir.capability_statement import capability_statement
from screening.fhir.fhir_responses import FhirView, resource_response, searchset
from screening.fhir.fhir_selectors import (
    fhir_observation_report,
    fhir_patient_get,
    fhir_patient_search,
    fhir_report_get,
    fhir_report_search,
    fhir_study_get,
    fhir_study_search,
)
from screening.fhir.patient_study_resources import imaging_study_resource, patient_resource
from screening.fhir.report_resources import diagnostic_report_resource, report_observations
from screening.fhir.search_params import resource_id, search_read

PATIENT_READ = "patients.change_patient"
STUDY_READ = "imaging.view_study"
REPORT_READ = "reading.view_read_report"
PATIENT_SEARCH = frozenset({"_id", "identifier"})
BY_PATIENT_AND_DATE = frozenset({"patient", "subject", "date"})
OBSERVATION_PREFIXES = ("ai-", "read-")


def _id(text: str) -> int:
    found = resource_id(text)
    if found is None:
        raise Http404("No such resource.")
    return found


@extend_schema(exclude=True)
class MetadataView(FhirView):
    """The CapabilityStatement: what this server answers (no patient data, so open to all)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> HttpResponse:
        return resource_response(capability_statement(request.build_absolute_uri("/fhir/")))


@extend_schema(exclude=True)
class PatientView(FhirView):
    required_permissions = {"get": PATIENT_READ}

    def get(self, request: Request, resource: str | None = None) -> HttpResponse:
        actor = Actor.from_request(request)
        if resource is not None:
            return resource_response(
                patient_resource(fhir_patient_get(actor=actor, patient_id=_id(resource)))
            )
        params = request.query_params.copy()
        if "_id" in params:
            params.setlist("patient", [str(_id(params.pop("_id")[-1]))])
        search = search_read(params, supported=PATIENT_SEARCH | {"patient"})
        patients = fhir_patient_search(actor=actor, search=search)
        return resource_response(searchset(request, (patient_resource(p) for p in patients)))


@extend_schema(exclude=True)
class ImagingStudyView(FhirView):
    required_permissions = {"get": STUDY_READ}

    def get(self, request: Request, resource: str | None = None) -> HttpResponse:
        actor = Actor.from_request(request)
        if resource is not None:
            study = fhir_study_get(actor=actor, study_id=_id(resource))
            return resource_response(imaging_study_resource(study))
        search = search_read(request.query_params, supported=BY_PATIENT_AND_DATE)
        studies = fhir_study_search(actor=actor, search=search)
        return resource_response(searchset(request, (imaging_study_resource(s) for s in studies)))


@extend_schema(exclude=True)
class DiagnosticReportView(FhirView):
    required_permissions = {"get": REPORT_READ}

    def get(self, request: Request, resource: str | None = None) -> HttpResponse:
        actor = Actor.from_request(request)
        if resource is not None:
            found = fhir_report_get(actor=actor, episode_id=_id(resource))
            return resource_response(diagnostic_report_resource(found, report_observations(found)))
        search = search_read(request.query_params, supported=BY_PATIENT_AND_DATE)
        reports = fhir_report_search(actor=actor, search=search)
        return resource_response(
            searchset(request, (diagnostic_report_resource(r, report_observations(r)) for r in reports))
        )


@extend_schema(exclude=True)
class ObservationView(FhirView):
    """Observations exist only inside a signed report: read through it (episode=<report id>)."""

    required_permissions = {"get": REPORT_READ}

    def get(self, request: Request, resource: str | None = None) -> HttpResponse:
        actor = Actor.from_request(request)
        if resource is not None:
            return resource_response(_observation(actor, resource))
        search = search_read(request.query_params, supported=BY_PATIENT_AND_DATE)
        reports = fhir_report_search(actor=actor, search=search)
        return resource_response(
            searchset(request, (observation for r in reports for observation in report_observations(r)))
        )


def _observation(actor: Actor, resource: str) -> Any:
    """One observation by id ("read-<opinion>" or "ai-<result>"), found through its report."""
    prefix = next((p for p in OBSERVATION_PREFIXES if resource.startswith(p)), None)
    if prefix is None:
        raise Http404("No such resource.")
    found = fhir_observation_report(actor=actor, kind=prefix[:-1], object_id=_id(resource[len(prefix) :]))
    for observation in report_observations(found):
        if observation.id == resource:
            return observation
    raise Http404("No such resource.")
