"""One JSON error shape for every failure: RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DataError, DBAPIError
from werkzeug.exceptions import HTTPException

from labels import LabelError
from repository.db_errors import as_domain_error
from repository.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidState,
    NotFound,
    ServiceBusy,
    ValidationFailed,
)

STATUS = {
    NotFound: 404,
    Conflict: 409,
    InvalidState: 409,
    Forbidden: 403,
    ValidationFailed: 422,
    ServiceBusy: 503,
}


def problem(status: int, title: str, detail: str | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error, the same for the API and the pages."""
    return next((STATUS[t] for t in type(error).__mro__ if t in STATUS), 400)


def domain_problem(error: DomainError) -> Response:
    status = status_of(error)
    extra: dict[str, Any] = {"code": error.code}
    if isinstance(error, ValidationFailed):
        extra["errors"] = error.errors
    if error.field:
        extra["field"] = error.field
    response = problem(status, error.code.replace("_", " ").capitalize(), error.detail, **extra)
    if isinstance(error, ServiceBusy):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _invalid(error: HTTPException) -> ValidationFailed:
    """A framework 422 in the project's shape: webargs' messages ({location: {field:
    [message]}}) by field, or the view's own words."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not messages:
        return ValidationFailed({}, str(error.description))
    return ValidationFailed(
        {
            field: problems
            for location in messages.values()
            for field, problems in (location.items() if isinstance(location, dict) else [])
        }
    )


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_problem)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        if error.code == 422:  # request validation (webargs) or a refusal of the view
            return domain_problem(_invalid(error))
        response = problem(error.code or 500, error.name, error.description)
        for name, value in error.get_headers():  # e.g. Allow on 405
            if name.lower() != "content-type":
                response.headers[name] = value
        if error.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="biorepo"'
        return response

    @app.errorhandler(LabelError)
    def _label(error: LabelError) -> Response:  # e.g. a QR code too big for the stock
        return domain_problem(ValidationFailed({"template": [str(error)]}, str(error)))

    @app.errorhandler(DataError)
    def _data(error: DataError) -> Response:  # a value the column cannot hold
        return domain_problem(ValidationFailed({}, "A value is out of range for its field."))

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError) -> Response:
        # A race lost at any flush (not only at commit) or a busy database: the domain error
        # it stands for; anything else is a bug.
        domain = as_domain_error(error)
        if domain is None:
            return _unexpected(error)
        return domain_problem(domain)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("Unhandled error")
        return problem(500, "Internal Server Error", "Something went wrong on our side.")
