"""The published schema says what the API answers (what schemathesis found untrue)."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer


@pytest.fixture(scope="module")
def openapi():
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _accepts(openapi: dict, schema: dict, value) -> bool:
    """Whether an OpenAPI 3.0 property schema admits a null or a blank string (the cases here)."""
    if "$ref" in schema:
        return _accepts(openapi, openapi["components"]["schemas"][schema["$ref"].split("/")[-1]], value)
    if value is None and schema.get("nullable"):
        return True
    if "oneOf" in schema or "anyOf" in schema or "allOf" in schema:
        members = schema.get("oneOf") or schema.get("anyOf") or schema["allOf"]
        return any(_accepts(openapi, member, value) for member in members)
    if value is None:
        return schema.get("type") == "null"
    if "enum" in schema:
        return value in schema["enum"]
    return schema.get("type") == "string" and "format" not in schema and not schema.get("minLength")


def test_the_worklist_is_published_as_the_page_it_answers(openapi):
    response = openapi["paths"]["/api/v1/reading/worklist/"]["get"]["responses"]["200"]
    body = response["content"]["application/json"]["schema"]

    assert body == {"$ref": "#/components/schemas/WorklistPageOutput"}


@pytest.mark.parametrize(
    ("component", "field", "value"),
    [
        ("EpisodeStepOutput", "actor", None),
        ("EpisodeStepOutput", "from_status", ""),
        ("EpisodeStepOutput", "result", ""),
        ("EpisodeOutput", "result", ""),
        ("AssessmentOutput", "recorded_by", None),
        ("ConsentEventOutput", "recorded_by", None),
        ("ReadSlotOutput", "claimed_by", None),
        ("PathologyOutput", "side", ""),
        ("PatientOutput", "email", ""),
    ],
)
def test_outputs_allow_the_blanks_and_nulls_they_answer(openapi, component, field, value):
    properties = openapi["components"]["schemas"][component]["properties"]

    assert _accepts(openapi, properties[field], value), f"{component}.{field} refuses {value!r}"
