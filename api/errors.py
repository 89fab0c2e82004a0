"""One JSON error shape for every failure: RFC 9457 problem details."""

from __future__ import annotations

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from labels import LabelError
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


def domain_problem(error: DomainError) -> Response:
    status = next((STATUS[t] for t in type(error).__mro__ if t in STATUS), 400)
    extra = {"code": error.code}
    if isinstance(error, ValidationFailed):
        extra["errors"] = error.errors
    if error.field:
        extra["field"] = error.field
    return problem(status, error.code.replace("_", " ").capitalize(), error.detail, **extra)


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_problem)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        extra = {}
        messages = (getattr(error, "data", None) or {}).get("messages")
        if messages:  # request validation (webargs): {location: {field: [message]}}
            extra["errors"] = {
                field: problems
                for location in messages.values()
                for field, problems in (location.items() if isinstance(location, dict) else [])
            }
        response = problem(error.code or 500, error.name, error.description, **extra)
        for name, value in error.get_headers():  # e.g. Allow on 405
            if name.lower() != "content-type":
                response.headers[name] = value
        if error.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="biorepo"'
        return response

    @app.errorhandler(LabelError)
    def _label(error: LabelError) -> Response:  # e.g. a QR code too big for the stock
        return problem(422, "Unprocessable Content", str(error), field="template")

    @app.errorhandler(DataError)
    def _data(error: DataError) -> Response:  # a value the column cannot hold
        return problem(422, "Unprocessable Content", "A value is out of range for its field.")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("Unhandled error")
        return problem(500, "Internal Server Error", "Something went wrong on our side.")
