"""Processes that listen on loopback for the tests and benchmarks: a free port, waiting for a
server to accept connections, and `biorepo serve` on a fresh copy of the demo data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent / "biorepo"


def free_port() -> int:
    """A port nobody listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float) -> bool:
    """Whether something accepts connections on the port within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


@contextmanager
def demo_server(folder: Path) -> Iterator[str]:
    """`biorepo db upgrade`, `demo` and `serve` on a new SQLite database in `folder`, as a
    newcomer runs them; yields the base URL, and stops the server afterwards."""
    with served(f"sqlite:///{folder / 'demo.db'}", demo=True) as base:
        yield base


@contextmanager
def served(
    database_url: str, *, demo: bool = False, log: Path | None = None, **environment: str
) -> Iterator[str]:
    """`biorepo db upgrade` (and `demo`) then `biorepo serve` on `database_url`, with more
    environment variables if given, its log written to `log` if given; yields the base URL,
    and stops the server afterwards."""
    env = {**os.environ, "DATABASE_URL": database_url, **environment}
    for command in (["db", "upgrade"], ["demo"]) if demo else (["db", "upgrade"],):
        done = subprocess.run([BIN, *command], env=env, capture_output=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"biorepo {' '.join(command)} failed: {done.stderr.decode()}")
    port = free_port()
    written = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [BIN, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=written,
    )
    try:
        if not wait_for_port(port, 30):
            raise RuntimeError("biorepo serve did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        if log:
            written.close()  # type: ignore[union-attr]


def stop(process: subprocess.Popen) -> None:
    """Stop a server: gracefully (gunicorn waits up to 30 s for open keep-alive connections,
    e.g. a browser's), else at once."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def threaded_server(app) -> Iterator[str]:
    """`app` on a real TCP port, one thread per request (as gunicorn's threaded workers serve
    it); yields the base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
