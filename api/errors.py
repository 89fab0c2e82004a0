"""One JSON error shape for every failure: RFC 9457 problem details."""

from __future__ import annotations

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from repository.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
)

STATUS = {NotFound: 404, Conflict: 409, InvalidState: 409, Forbidden: 403, ValidationFailed: 422}


def problem(status: int, title: str, detail: str | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        status = STATUS.get(type(error), 400)
        extra = {"code": error.code}
        if isinstance(error, ValidationFailed):
            extra["errors"] = error.errors
        if error.field:
            extra["field"] = error.field
        return problem(status, error.code.replace("_", " ").capitalize(), error.detail, **extra)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return problem(error.code or 500, error.name, error.description)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("Unhandled error")
        return problem(500, "Internal Server Error", "Something went wrong on our side.")
