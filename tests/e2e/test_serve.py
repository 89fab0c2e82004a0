"""The service as a user meets it: `biorepo db upgrade`, `demo`, `serve`, then HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "biorepo"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "demo.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([BIN, *command], env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    process = subprocess.Popen(
        [BIN, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_health_over_http_after_demo(server):
    status, body = get(f"{server}/api/v1/health")
    assert status == 200
    assert body["database"] == "reachable"
    assert set(body["materials"]) == {"strain", "seed", "cell_line", "animal_line", "specimen"}
    assert min(body["materials"].values()) >= 30
    assert body["items"]["available"] > 1000


def test_unknown_path_is_a_problem_document(server):
    status, body = get(f"{server}/api/v1/nothing-here")
    assert status == 404
    assert body["status"] == 404 and body["title"] == "Not Found" and body["type"]
