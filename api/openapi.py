"""The OpenAPI document, made to say what the service really sends: errors as RFC 9457
problem details (application/problem+json; a 304 carries none), the pagination header as
the JSON text it is, and a material as one of its kinds; and Swagger UI's assets, served from
the installed package so that the documentation works without the internet."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path

import flask_swagger_ui
from flask import Flask, Response, send_from_directory
from flask_smorest import Api
from marshmallow import Schema

from repository.schemas.materials import KIND_INPUTS, MaterialIn

ASSETS = Path(flask_swagger_ui.__file__).parent / "dist"  # swagger-ui-dist's files
ASSETS_ENDPOINT = "docs_assets"

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
    one_of(api, MaterialIn, "kind", KIND_INPUTS)
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


def one_of(
    api: Api, schema: type[Schema], discriminator: str, choices: Mapping[str, type[Schema]]
) -> None:
    """`schema`'s component as one of the `choices`, told apart by the value of
    `discriminator` (each choice's schema allows only its own value there)."""
    components = api.spec.components
    mapping = {}
    for value, choice in choices.items():
        components.schema(choice.__name__, schema=choice)
        components.schemas[choice.__name__]["properties"][discriminator]["enum"] = [value]
        mapping[value] = f"#/components/schemas/{choice.__name__}"
    components.schemas[schema.__name__] = {
        "description": inspect.cleandoc(schema.__doc__ or ""),
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": discriminator, "mapping": mapping},
    }


def serve_assets(app: Flask) -> None:
    """Serve Swagger UI's files at OPENAPI_SWAGGER_UI_URL, when that is a path of this site."""
    url = app.config["OPENAPI_SWAGGER_UI_URL"]
    if url.startswith("/"):
        app.add_url_rule(f"{url}<path:filename>", ASSETS_ENDPOINT, _asset)


def _asset(filename: str) -> Response:
    return send_from_directory(ASSETS, filename)
