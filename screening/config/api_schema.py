"""drf-spectacular postprocessing: every operation documents the error answers it can give.

Views raise DRF's errors (a 400 with messages per field, 401 without credentials, 403 without the
permission, 404 outside the user's scope); the hook adds them to each operation that can answer
them, with one shared body schema each, unless the operation documents its own. An operation that
can answer another of them (a 404 for an id in its body) names the code in its extend_schema.
"""

from typing import Any

ERROR = {
    "type": "object",
    "description": "Why the request was refused.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Messages per input field (non_field_errors for the input as a whole), or a detail.",
    "additionalProperties": {},
}
_DESCRIPTIONS = {
    "400": ("ValidationErrorOutput", "The input is invalid: messages per field."),
    "401": ("ErrorOutput", "No credentials, or credentials that are not valid."),
    "403": ("ErrorOutput", "The user's role may not do this."),
    "404": ("ErrorOutput", "No such object in the user's scope (or no such page)."),
}


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorOutput"] = ERROR
    schemas["ValidationErrorOutput"] = VALIDATION_ERROR
    for item in result.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for code in sorted(_error_codes(operation)):
                component, description = _DESCRIPTIONS[code]
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
                        },
                    },
                )
    return result


def _error_codes(operation: dict[str, Any]) -> set[str]:
    parameters = operation.get("parameters", [])
    open_to_anyone = operation.get("security", []) in ([], [{}])  # no credentials asked for
    codes = set() if open_to_anyone else {"401", "403"}
    if any(parameter.get("in") == "path" or parameter.get("name") == "page" for parameter in parameters):
        codes.add("404")  # no such object, or a page past the last
    if "requestBody" in operation or any(parameter.get("in") == "query" for parameter in parameters):
        codes.add("400")
    return codes
