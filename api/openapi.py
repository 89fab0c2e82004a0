"""The OpenAPI document, made to say what the service really sends: errors as RFC 9457
problem details (application/problem+json; a 304 carries none), and the pagination header as
the JSON text it is."""

from __future__ import annotations

from flask_smorest import Api

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "The domain error, e.g. conflict."},
        "field": {"type": "string", "description": "The field the error is about."},
        "errors": {
            "type": "object",
            "description": "Validation messages by field.",
            "additionalProperties": True,
        },
    },
}


def refine(api: Api) -> None:
    components = api.spec.components
    components.schema("Problem", PROBLEM)
    for name, response in components.responses.items():
        if name == "NOT_MODIFIED":  # a 304 has no body
            continue
        response["content"] = {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    components.headers["PAGINATION"]["schema"] = {
        "type": "string",
        "description": "JSON: total, total_pages, first_page, last_page, page, previous_page, "
        "next_page.",
    }
