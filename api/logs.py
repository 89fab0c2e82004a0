"""Structured logs: one JSON object per line, each carrying the request id; the id of every
request (the caller's `X-Request-Id` when it is sane, else a new one), answered in the same
header, and one access line per request."""

from __future__ import annotations

import json
import logging
import logging.config
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

from repository import tracing

HEADER = "X-Request-Id"
# A caller's id is kept only if it is short and plain (what proxies and tracers send: UUIDs,
# hex, base64url); anything else (control characters, quotes, a megabyte) is replaced.
SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,99}")
access = logging.getLogger("biorepo.requests")

# LogRecord's own attributes: everything else on a record came as `extra=` and is logged
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, logger, message, request id, the fields given
    with `extra=`, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or tracing.request_id()
        if rid is not None:
            line["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def settings(level: str = "INFO") -> dict[str, Any]:
    """The logging configuration of a server (gunicorn's `logconfig_dict`): every line, the
    app's and gunicorn's, to standard error as JSON; gunicorn's own access log off (the app
    writes one line per request, with its id)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "json": {"class": "logging.StreamHandler", "formatter": "json", "stream": sys.stderr}
        },
        "root": {"level": level, "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": level, "handlers": [], "propagate": False},
        },
    }


def start() -> None:
    """Log as a server does from now on (JSON lines, Python's warnings among them)."""
    logging.config.dictConfig(settings())
    logging.captureWarnings(True)


def incoming_id(value: str | None) -> str:
    """The caller's request id if it is sane, else a new one."""
    if value and SANE.fullmatch(value):
        return value
    return uuid.uuid4().hex


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.request_trace = tracing.traced(incoming_id(request.headers.get(HEADER)))
    g.request_trace.__enter__()


def _answer(response: Response) -> Response:
    rid = tracing.request_id()
    if rid is not None:
        response.headers[HEADER] = rid
    started = g.get("request_started")
    access.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": rid,
            "method": request.method,
            "path": request.path,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            "user_id": g.principal.user_id if "principal" in g else None,
        },
    )
    return response


def _end(_error: BaseException | None) -> None:
    trace = g.pop("request_trace", None)
    if trace is not None:
        trace.__exit__(None, None, None)


def install(app: Flask) -> None:
    """Give every request its id, first of all hooks (the ones after see it)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_answer)
    app.teardown_request(_end)
