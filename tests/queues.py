"""The background queue in tests: a huey consumer in threads of the test process, and `biorepo
worker` as a process of its own (killed outright when a test says so)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from api import background

STARTING = 180  # seconds a worker may take to start on a busy machine
WORKER = [sys.executable, "-c", "from api.cli import main; main()", "worker", "--threads", "2"]


@contextmanager
def consuming(app: Flask, threads: int = 1) -> Iterator[Any]:
    """A huey consumer of the app's queue in threads of this process (its signal handlers left
    to the test runner), stopped when its tasks are done."""
    huey = background.of(app).huey
    consumer = huey.create_consumer(
        workers=threads, worker_type="thread", periodic=False, max_delay=0.2
    )
    kept = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    consumer.start()
    for number, handler in kept.items():
        signal.signal(number, handler)
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)


def worker_process(config: dict[str, Any], log: Path) -> subprocess.Popen:
    """`biorepo worker` on the configuration's database and queue, its output to `log`."""
    named = ("DATABASE_URL", "QUEUE_URL", "QUEUE_NAME", "SECRET_KEY", "WORKER_LEASE")
    env = {**os.environ, **{key: str(config[key]) for key in named if config.get(key)}}
    root = Path(__file__).resolve().parents[1]
    with log.open("ab") as out:
        process = subprocess.Popen(WORKER, env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT)
    wait_until(
        lambda: process.poll() is not None or "consumer started" in log.read_text(),
        STARTING,
        "the worker starts",
    )
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # huey's graceful stop
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(check: Callable[[], Any], seconds: float = 60, what: str = "") -> Any:
    """The first true value of `check`, polled until the time is up (then AssertionError)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")
