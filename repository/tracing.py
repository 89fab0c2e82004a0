"""The id of the HTTP request being served (or of the request that queued the job being run):
log lines carry it, and the job rows a request writes keep it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("biorepo_request_id", default=None)


def request_id() -> str | None:
    """The current request's id, None outside any request or job."""
    return _request_id.get()


@contextmanager
def traced(value: str | None) -> Iterator[None]:
    """Run the block as part of request `value`: a web request, or a job it queued (run the
    job under the id stored on its row)."""
    token = _request_id.set(value)
    try:
        yield
    finally:
        _request_id.reset(token)
