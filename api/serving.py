"""`biorepo serve`: the app under gunicorn, a production WSGI server, so that the embedded
default is what a small lab can really run (Flask's own server is for development only)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from . import logs, metrics


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
    """Serve until stopped: threaded workers, logs as JSON lines on standard error (one per
    request, with its id)."""
    Server(
        make_app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 120,
            "graceful_timeout": 30,
            "accesslog": None,
            "logconfig_dict": logs.settings(),
            "forwarded_allow_ips": "127.0.0.1",
            "child_exit": _child_exit,
        },
    ).run()


@contextmanager
def shared_metrics() -> Iterator[None]:
    """Let the worker processes count their requests together (prometheus-client's
    multiprocess mode, in a new folder removed afterwards) unless PROMETHEUS_MULTIPROC_DIR is
    set already. Enter it before anything measures: the mode is chosen when the first app
    is made."""
    if os.environ.get(metrics.MULTIPROCESS):
        yield
        return
    folder = tempfile.mkdtemp(prefix="biorepo-metrics-")
    os.environ[metrics.MULTIPROCESS] = folder
    try:
        yield
    finally:
        del os.environ[metrics.MULTIPROCESS]
        shutil.rmtree(folder, ignore_errors=True)


def _child_exit(_server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    if os.environ.get(metrics.MULTIPROCESS):
        multiprocess.mark_process_dead(worker.pid)
