"""The background queue in tests: a huey consumer in threads of the test process, `biorepo
worker` as a process of its own (killed outright when a test says so), and an app on a queue of
its own (a SQLite file, or the machine's Redis when it runs)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from api import background
from tests.world import an_app

STARTING = 180  # seconds a worker may take to start on a busy machine
WORKER = [sys.executable, "-c", "from api.cli import main; main()", "worker", "--threads", "2"]
REDIS = ("127.0.0.1", 6379)
REDIS_URL = f"redis://{REDIS[0]}:{REDIS[1]}/0"


def redis_runs() -> bool:
    """Whether the machine's Redis answers."""
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queued(request: pytest.FixtureRequest, world: Any, tmp_path: Path) -> Iterator[Flask]:
    """An app on the world's database whose queue is a SQLite file or Redis (a queue name of
    its own), and the configuration a worker process needs to share it. A test module takes
    it by naming it (`queued = queues.queued`)."""
    if request.param == "redis-queue":
        if not redis_runs():
            pytest.skip(f"no Redis on {REDIS[0]}:{REDIS[1]}")
        url = REDIS_URL
    else:
        url = f"sqlite:///{tmp_path / 'queue.db'}"
    name = f"biorepo-test-{secrets.token_hex(4)}"
    app = an_app(world, QUEUE_URL=url, QUEUE_NAME=name)
    yield app
    background.of(app).huey.flush()  # a Redis queue outlives the test: leave nothing in it
    app.extensions["biorepo.engine"].dispose()


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


def started(app: Flask, tmp_path: Path, name: str) -> subprocess.Popen:
    """`biorepo worker` on the app's database and queue, started, its output to
    `tmp_path`/`name`.log."""
    return worker_process(app.config, tmp_path / f"{name}.log")


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
