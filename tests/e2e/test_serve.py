"""The service as a user meets it: `biorepo db upgrade`, `demo`, `serve`, then HTTP."""

import json
import urllib.error
import urllib.request

import pytest

from tests.servers import demo_server


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("serve")) as base:
        yield base


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


def test_served_by_a_production_server(server):
    """`biorepo serve` (and so `make run`) is gunicorn, not Flask's development server."""
    with urllib.request.urlopen(f"{server}/api/v1/health", timeout=5) as response:
        assert response.headers["Server"].startswith("gunicorn")
