"""The server's CapabilityStatement (/fhir/metadata): the resources, interactions and searches."""

from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

FHIR_VERSION = "4.0.1"
SEARCH_BY_PATIENT_AND_DATE = [
    {"name": "patient", "type": "reference", "documentation": "Patient/<id>"},
    {"name": "date", "type": "date", "documentation": "eq, ge, gt, le, lt on a day; repeat for a range"},
]
RESOURCES = {
    "Patient": [
        {"name": "_id", "type": "token"},
        {"name": "identifier", "type": "token", "documentation": "value, or system|value"},
    ],
    "ImagingStudy": SEARCH_BY_PATIENT_AND_DATE,
    "DiagnosticReport": SEARCH_BY_PATIENT_AND_DATE,
    "Observation": SEARCH_BY_PATIENT_AND_DATE,
}
DOCUMENTATION = {
    "Patient": "Participants; coordinators and administrators only.",
    "ImagingStudy": "Studies matched to a participant, in the user's scope.",
    "DiagnosticReport": "An episode's result, only once signed reads decided it.",
    "Observation": "Each reader's signed category and the AI score (where AI consent stands) of a report.",
}


def capability_statement(base_url: str) -> CapabilityStatement:
    """What this server answers: read and search-type of four resources, as JSON, with a token."""
    return CapabilityStatement.model_validate(
        {
            "status": "active",
            "date": timezone.now().isoformat(),
            "kind": "instance",
            "fhirVersion": FHIR_VERSION,
            "format": ["application/fhir+json"],
            "software": {"name": "Screening programme manager"},
            "implementation": {
                "description": "Read-only screening results for record systems",
                "url": base_url,
            },
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "description": "Authorization: Token <key> (the REST API's tokens); role-scoped."
                    },
                    "resource": [
                        {
                            "type": name,
                            "documentation": DOCUMENTATION[name],
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": params,
                        }
                        for name, params in RESOURCES.items()
                    ],
                }
            ],
        }
    )
