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


def _operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_operation_documents_its_error_answers(openapi):
    missing = []
    for path, method, operation in _operations(openapi):
        open_to_anyone = path.endswith("/auth/token/") and method == "post"
        expected = {"400"} if open_to_anyone else {"401", "403"}
        parameters = operation.get("parameters", [])
        if any(parameter["in"] == "path" for parameter in parameters):
            expected.add("404")
        if "requestBody" in operation or any(parameter["in"] == "query" for parameter in parameters):
            expected.add("400")
        absent = expected - set(operation["responses"])
        if absent:
            missing.append(f"{method.upper()} {path}: {sorted(absent)}")

    assert not missing, missing


def test_the_token_exchange_is_documented_as_open_to_anyone(openapi):
    operation = openapi["paths"]["/api/v1/auth/token/"]["post"]

    assert operation.get("security", openapi.get("security", [])) in ([], [{}])
    assert set(operation["responses"]) == {"200", "400"}


def test_uploads_document_no_page_parameter(openapi):
    operation = openapi["paths"]["/api/v1/imaging/uploads/"]["post"]

    assert "page" not in {parameter["name"] for parameter in operation.get("parameters", [])}
