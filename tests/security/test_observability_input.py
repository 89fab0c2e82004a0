"""Hostile input to the request id and the metrics: a forged or huge X-Request-Id is replaced,
never echoed or logged; /metrics is refused to whoever lacks the right, and tells nothing of the
records."""

from __future__ import annotations

import re

import pytest

from repository.db import unit_of_work
from repository.models import PrintJob
from tests.world import an_app

FORGED = [
    'abc","level":"critical","message":"forged',  # a JSON line of its own
    "abc\tdef",
    "abc def",
    "x" * 101,  # past the longest kept
    "y" * 100_000,  # huge
    "-leading-dash",
    "évidemment",
    "${jndi:ldap://x/a}",
    "",
]


@pytest.mark.parametrize("forged", FORGED)
def test_a_forged_or_huge_request_id_is_replaced(world, client, forged):
    answer = client.get("/api/v1/health/live", headers={"X-Request-Id": forged})
    assert answer.status_code in (200, 431), answer.status_code  # 431: a server's header limit
    if answer.status_code == 200:
        given = answer.headers["X-Request-Id"]
        assert given != forged and re.fullmatch(r"[0-9a-f]{32}", given)


def test_a_forged_request_id_is_not_stored_on_a_job(world, client):
    app, tokens, ids = world
    forged = "z" * 5000
    made = client.post(
        "/api/v1/print-jobs",
        token=tokens["technician"],
        json={"printer": "Matrix", "barcodes": [ids["vials"][2]]},
        headers={"X-Request-Id": forged},
    )
    assert made.status_code == 201
    with unit_of_work(app.extensions["biorepo"]) as db:
        stored = db.get(PrintJob, made.json["id"]).request_id
    assert stored == made.headers["X-Request-Id"] != forged


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-For": "203.0.113.9"},  # a proxy on this machine forwarding a stranger
        {"Forwarded": "for=203.0.113.9"},
        {"X-Real-IP": "203.0.113.9"},
    ],
)
def test_metrics_through_a_proxy_without_a_token_are_refused(world, client, headers):
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 403
    assert answer.content_type == "application/problem+json"
    assert "biorepo_" not in answer.get_data(as_text=True)


def test_metrics_from_another_machine_without_a_token_are_refused(world, client):
    answer = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert answer.status_code == 403


def test_metrics_with_a_token_need_that_token_from_anywhere(world):
    app = an_app(world, METRICS_TOKEN="m" * 40)
    client = app.test_client()
    tokens = world.tokens
    for headers in (
        {},  # not even from loopback
        {"Authorization": "Bearer " + "m" * 39},
        {"Authorization": "Bearer " + "m" * 41},
        {"Authorization": "Basic " + "m" * 40},
        {"Authorization": f"Bearer {tokens['admin']}"},  # an API token is not the metrics one
        {"Authorization": "Bearer " + "é" * 40},
    ):
        assert client.get("/metrics", headers=headers).status_code == 403, headers
    allowed = client.get(
        "/metrics",
        headers={"Authorization": "Bearer " + "m" * 40},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert allowed.status_code == 200 and "biorepo_jobs_queued" in allowed.get_data(as_text=True)
    app.extensions["biorepo.engine"].dispose()


def test_metrics_name_no_record(world, client):
    """Counts by endpoint, printer and kind: no barcode, material, person or token."""
    _, tokens, ids = world
    client.get(f"/api/v1/items/{ids['vials'][3]}", token=tokens["admin"])
    client.get("/api/v1/materials?q=secret-search", token=tokens["admin"])
    text = client.get("/metrics").get_data(as_text=True)
    for secret in (ids["vials"][3], "secret-search", "example.org", tokens["admin"], "strain"):
        assert secret not in text
