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


class ServiceBusy(DomainError):
    """The database could not take the change now (another writer holds it); nothing was
    changed, and the same request may be sent again after `retry_after` seconds."""

    code = "busy"

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ValidationFailed(DomainError):
    """Input did not validate; `errors` maps each field to its messages."""

    code = "validation_failed"

    def __init__(self, errors: dict, detail: str = "Input did not validate.") -> None:
        super().__init__(detail)
        self.errors = errors

    def __str__(self) -> str:
        return f"{self.detail} {self.errors}"
