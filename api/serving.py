"""`biorepo serve`: the app under gunicorn, a production WSGI server, so that the embedded
default is what a small lab can really run (Flask's own server is for development only)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    """gunicorn with its options given here rather than read from its command line; each
    worker makes its own app (engines and connection pools are never shared over a fork)."""

    def __init__(self, make_app: Any, options: dict[str, Any]) -> None:
        self.make_app = make_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    # the stubs' WSGI callable is narrower than Flask's (a dict environ, a StartResponse
    # protocol), though Flask is a WSGI application
    def load(self) -> Flask:  # type: ignore[override]
        return self.make_app()


def serve(make_app: Any, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until stopped: threaded workers, access log on standard output."""
    Server(
        make_app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 120,
            "graceful_timeout": 30,
            "accesslog": "-",
            "forwarded_allow_ips": "127.0.0.1",
        },
    ).run()
