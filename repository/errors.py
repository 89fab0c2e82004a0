"""Domain errors raised by the services; the API maps them to HTTP status codes."""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused; nothing was changed."""

    code = "domain_error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class InvalidState(DomainError):
    code = "invalid_state"


class Forbidden(DomainError):
    code = "forbidden"


class ValidationFailed(DomainError):
    """Input did not validate; `errors` maps each field to its messages."""

    code = "validation_failed"

    def __init__(self, errors: dict, detail: str = "Input did not validate.") -> None:
        super().__init__(detail)
        self.errors = errors

    def __str__(self) -> str:
        return f"{self.detail} {self.errors}"
