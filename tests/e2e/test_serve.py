"""The service as a user meets it: `biorepo db upgrade`, `demo`, `serve`, then HTTP."""

import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import requests

from tests.servers import BIN


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


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


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_examples_work_on_the_demo(server):
    """The README's login example, then its scan example (a demo barcode: the demo draws the
    same barcodes on every machine), over HTTP as written."""
    text = README.read_text(encoding="utf-8")
    login = re.search(r"-d '(\{\"email\".*?\})'", text)
    barcode = re.search(r"/api/v1/items/([0-9A-Z]{8})\b", text)
    assert login and barcode
    with requests.Session() as client:
        body = json.loads(login[1])
        answer = client.post(f"{server}/api/v1/auth/login", json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        scanned = client.get(f"{server}/api/v1/items/{barcode[1]}", timeout=10)
    assert scanned.status_code == 200, scanned.text
    assert barcode[1] in scanned.text and "CCBR 00001" in scanned.text
    assert f"scan `{barcode[1]}`" in text


def test_a_second_demo_load_still_says_how_to_log_in(server, demo_folder):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{demo_folder / 'demo.db'}"}
    again = subprocess.run([BIN, "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert "loaded already" in again.stdout and "biorepo-demo" in again.stdout
    assert "admin@biorepo.example" in again.stdout
